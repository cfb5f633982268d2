"""
``import_articles --fetch-images``: remote pictures fetched from public addresses only, within limits.

A real HTTP server on 127.0.0.1 serves the pictures. 127.0.0.1 is not a public address,
so the tests that fetch from it allow it through ``FetchPolicy.allow_address``, and only
it; the tests of the default vetting prove that it, and every other address inside,
is refused.
"""

import functools
import io
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from articles.importers import fetch as fetching
from articles.importers.fetch import FetchError, FetchPolicy, TooLarge, fetch, is_public_address
from articles.importers.loader import load
from articles.importers.records import ImageRecord
from articles.management.commands import import_articles
from articles.models import Article, ImageCaption
from tests.importers.test_loader import media_files, png_declaring, story


def jpeg_bytes(size=(40, 30), colour="teal", exif=None):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG", **({"exif": exif} if exif else {}))
    return buffer.getvalue()


def bomb_bytes(tmp_path):
    return png_declaring(tmp_path / "bomb.png", 100_000, 100_000).read_bytes()


class PictureServer(ThreadingHTTPServer):
    """Serves ``routes`` (path → handler function) and keeps every request's path and headers."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, routes):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.routes = routes
        self.requests = []

    @property
    def port(self):
        return self.server_address[1]

    def url(self, path, host="127.0.0.1"):
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self):
        return [path for path, _ in self.requests]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append((self.path, {name.lower(): value for name, value in self.headers.items()}))
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
            return
        try:
            route(self)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up, as it should
            pass

    def log_message(self, *args):
        pass


def send(handler, body, *, status=200, content_type="image/jpeg", length=None):
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    if length is not False:
        handler.send_header("Content-Length", str(len(body) if length is None else length))
    handler.end_headers()
    handler.wfile.write(body)


def redirect(to):
    def route(handler):
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def slow(handler):
    time.sleep(3)  # well past the tests' time limit before the headers come
    send(handler, jpeg_bytes())


def trickle(handler):
    """A byte every 50 ms: each read is quick, so only a limit on the whole fetch stops it."""
    handler.send_response(200)
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    for _ in range(200):
        handler.wfile.write(b"\xff")
        handler.wfile.flush()
        time.sleep(0.05)


GOOD = jpeg_bytes()


@pytest.fixture
def server(tmp_path):
    bomb = bomb_bytes(tmp_path)
    routes = {
        "/good.jpg": lambda handler: send(handler, GOOD),
        "/other.jpg": lambda handler: send(handler, jpeg_bytes(colour="orange")),
        "/notes.txt": lambda handler: send(
            handler, b"<html><body>not a picture</body></html>", content_type="text/html"
        ),
        "/bomb.png": lambda handler: send(handler, bomb, content_type="image/png"),
        "/declared-huge.jpg": lambda handler: send(handler, b"x" * 10, length=30 * 1024 * 1024),
        "/endless.jpg": lambda handler: send(handler, b"\xff" * 50_000, length=False),
        "/slow.jpg": slow,
        "/trickle.jpg": trickle,
        "/to-good": redirect("/good.jpg"),
        "/to-private": redirect("http://10.0.0.5/secret.jpg"),
        "/to-metadata": redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-file": redirect("file:///etc/passwd"),
        "/loop": redirect("/loop"),
    }
    picture_server = PictureServer(routes)
    thread = threading.Thread(target=picture_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield picture_server
    picture_server.shutdown()
    picture_server.server_close()


def loopback(address):
    """The tests' only exception to the public-address rule: the local test server."""
    return address == "127.0.0.1"


LOCAL = FetchPolicy(timeout=2, allow_address=loopback)


def get(url, policy=LOCAL):
    stream = io.BytesIO()
    fetch(url, stream, policy)
    return stream.getvalue()


# Fetching one picture.


def test_fetches_a_picture_naming_newsroom_and_sending_no_cookies_or_credentials(server):
    assert get(server.url("/good.jpg")) == GOOD

    ((path, headers),) = server.requests
    assert path == "/good.jpg"
    assert headers["host"] == f"127.0.0.1:{server.port}"
    assert "Newsroom" in headers["user-agent"]
    assert headers["accept-encoding"] == "identity"
    assert not {"cookie", "authorization", "proxy-authorization"} & set(headers)


def test_the_connection_goes_to_the_vetted_address_not_to_the_name_again(server, monkeypatch):
    """A name resolved once, to an allowed address: a second answer (DNS rebinding) is never asked for."""
    lookups = []
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        lookups.append(host)
        if len(lookups) > 1:
            return real_getaddrinfo("10.0.0.5", port, *args, **kwargs)
        return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    assert get(server.url("/good.jpg", host="pictures.example")) == GOOD
    assert lookups == ["pictures.example"]
    assert server.requests[0][1]["host"] == f"pictures.example:{server.port}"


def test_redirects_are_followed_and_each_target_is_vetted(server):
    assert get(server.url("/to-good")) == GOOD

    with pytest.raises(FetchError, match=r"^refused: 10\.0\.0\.5 is not a public address$"):
        get(server.url("/to-private"))
    with pytest.raises(FetchError, match=r"^refused: 169\.254\.169\.254 is not a public address$"):
        get(server.url("/to-metadata"))
    with pytest.raises(FetchError, match="^refused: only http and https addresses are fetched$"):
        get(server.url("/to-file"))
    with pytest.raises(FetchError, match="^more than 3 redirects$"):
        get(server.url("/loop"))
    assert server.paths.count("/loop") == 4


def test_only_an_answer_200_is_taken(server):
    with pytest.raises(FetchError, match="^answered HTTP 404$"):
        get(server.url("/nowhere.jpg"))


def test_a_picture_larger_than_the_limit_is_refused_before_or_while_reading(server):
    with pytest.raises(TooLarge, match="^larger than 25 MB$"):  # from its Content-Length, unread
        get(server.url("/declared-huge.jpg"))

    stream = io.BytesIO()
    policy = FetchPolicy(timeout=2, allow_address=loopback, max_bytes=10_000)
    with pytest.raises(TooLarge, match="^larger than 10,000 bytes$"):  # no Content-Length: stopped at the limit
        fetch(server.url("/endless.jpg"), stream, policy)
    assert len(stream.getvalue()) <= 10_000


@pytest.mark.parametrize("path", ["/slow.jpg", "/trickle.jpg"])
def test_the_time_limit_covers_the_whole_fetch(server, path):
    started = time.monotonic()

    with pytest.raises(FetchError, match=r"^timed out after 0\.5 s$"):
        get(server.url(path), FetchPolicy(timeout=0.5, allow_address=loopback))
    assert time.monotonic() - started < 1.5


# The default vetting: nothing inside is ever reached.


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.10.20.30",
        "::1",
        "10.0.0.5",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "169.254.169.254",
        "fe80::1",
        "100.64.0.1",
        "100.127.255.254",
        "0.0.0.0",
        "::",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.5",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
        "2002:a00:5::1",  # 6to4 of 10.0.0.5
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
        "fc00::1",
        "fd12:3456:789a::1",
        "fec0::1",
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
        "2001:db8::1",
        "not an address",
    ],
)
def test_addresses_inside_are_not_public(address):
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2002:5db8:d70e::1"])
def test_addresses_on_the_internet_are_public(address):
    assert is_public_address(address)


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("0.0.0.0", "0.0.0.0"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("2130706433", "127.0.0.1"),  # 127.0.0.1 written as one number
    ],
)
def test_by_default_the_local_server_is_refused_and_never_asked(server, host, address):
    with pytest.raises(FetchError, match=rf"^refused: {address.replace('.', '[.]')} is not a public address$"):
        get(server.url("/good.jpg", host=host), FetchPolicy(timeout=2))
    assert server.requests == []


def fake_dns(monkeypatch, *addresses):
    def getaddrinfo(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in addresses]

    def no_connection(*args, **kwargs):
        raise AssertionError("a refused address must not be connected to")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(fetching, "_PinnedConnection", no_connection)


def test_a_name_resolving_to_a_private_address_is_refused(monkeypatch):
    fake_dns(monkeypatch, "10.1.2.3")

    with pytest.raises(FetchError, match=r"^refused: 10\.1\.2\.3 is not a public address$"):
        get("https://intranet.example/photo.jpg", FetchPolicy(timeout=2))


def test_every_address_a_name_resolves_to_must_be_public(monkeypatch):
    fake_dns(monkeypatch, "93.184.215.14", "192.168.0.10")

    with pytest.raises(FetchError, match=r"^refused: 192\.168\.0\.10 is not a public address$"):
        get("http://mixed.example/photo.jpg", FetchPolicy(timeout=2))


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/photo.jpg",
        "gopher://example.com:70/_photo",
        "data:image/jpeg;base64,AAAA",
        "javascript:alert(1)",
        "//example.com/photo.jpg",
    ],
)
def test_only_http_and_https_are_fetched(monkeypatch, url):
    fake_dns(monkeypatch, "93.184.215.14")

    with pytest.raises(FetchError, match="^refused: only http and https addresses are fetched$"):
        get(url, FetchPolicy(timeout=2))


def test_an_address_with_credentials_is_refused(server):
    with pytest.raises(FetchError, match="^refused: an address with a user name or password is not fetched$"):
        get(f"http://editor:secret@127.0.0.1:{server.port}/good.jpg")
    assert server.requests == []


# HTTPS: connected to the vetted address, the certificate checked for the name.


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for pictures.example: (certificate file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=pictures.example"]
        + ["-addext", "subjectAltName=DNS:pictures.example"],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_server(server, certificate, monkeypatch):
    """The test server's pictures over TLS; ``names`` keeps the host name each handshake asked for (SNI)."""
    names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.sni_callback = lambda connection, name, _: names.append(name)
    tls_server = PictureServer(server.routes)
    tls_server.socket = context.wrap_socket(tls_server.socket, server_side=True)
    tls_server.names = names
    thread = threading.Thread(target=tls_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    real_getaddrinfo = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, port, *a, **k: real_getaddrinfo("127.0.0.1", port, *a, **k)
    )
    yield tls_server
    tls_server.shutdown()
    tls_server.server_close()


def test_https_checks_the_certificate_for_the_name_at_the_vetted_address(https_server, certificate, monkeypatch):
    monkeypatch.setattr(fetching, "_tls_context", lambda: ssl.create_default_context(cafile=str(certificate[0])))

    assert get(f"https://pictures.example:{https_server.port}/good.jpg") == GOOD
    assert https_server.names == ["pictures.example"]
    assert https_server.requests[0][1]["host"] == f"pictures.example:{https_server.port}"

    with pytest.raises(FetchError, match="^TLS certificate refused .*other.example"):
        get(f"https://other.example:{https_server.port}/good.jpg")


def test_https_refuses_a_certificate_nobody_vouches_for(https_server):
    with pytest.raises(FetchError, match="^TLS certificate refused"):
        get(f"https://pictures.example:{https_server.port}/good.jpg")
    assert https_server.requests == []


# Through the loader: the same gate as a local file.


def remote(url, **fields):
    return ImageRecord(url=url, caption="The ferry", credit="Gazette", alt_text="A ferry", lead=True, **fields)


@pytest.mark.django_db
def test_a_fetched_photo_goes_through_the_image_gate(server, settings):
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"
    server.routes["/tagged.jpg"] = lambda handler: send(handler, jpeg_bytes(exif=exif))

    report = load([story(status="draft", images=[remote(server.url("/tagged.jpg"))])], fetch_images=LOCAL)

    assert (report.created, report.failures, report.notes) == (1, [], [])
    caption = ImageCaption.objects.get()
    assert caption.is_lead and caption.image.name.startswith("images/") and (caption.width, caption.height) == (40, 30)
    with Image.open(Path(settings.MEDIA_ROOT) / caption.image.name) as stored:
        assert not stored.getexif()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/notes.txt", "images[0]: {url} is not a JPEG, PNG, WebP or GIF picture"),
        ("/bomb.png", "images[0]: {url} declares more pixels than Pillow will open (a decompression bomb)"),
        ("/declared-huge.jpg", "images[0]: {url}: larger than 25 MB"),
    ],
)
def test_a_fetched_file_the_gate_refuses_fails_the_story_naming_the_url(server, settings, path, reason):
    url = server.url(path)

    report = load([story(images=[remote(url)])], fetch_images=LOCAL)

    assert [(failure.record, failure.reason) for failure in report.failures] == [
        ("feed.jsonl:1", reason.format(url=url))
    ]
    assert Article.objects.count() == 0 and media_files(settings) == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/nowhere.jpg", "answered HTTP 404"),
        ("/to-private", "refused: 10.0.0.5 is not a public address"),
        ("/slow.jpg", "timed out after 0.5 s"),
    ],
)
def test_a_picture_that_cannot_be_fetched_awaits_its_photo_like_a_missing_file(server, settings, path, reason):
    url = server.url(path)
    policy = FetchPolicy(timeout=0.5, allow_address=loopback)

    report = load([story(status="draft", images=[remote(url)])], fetch_images=policy)

    assert report.created == 1 and report.failures == []
    assert [note.reason for note in report.notes] == [
        f"images[0]: {url}: {reason}; the caption is kept awaiting its photo"
    ]
    assert list(ImageCaption.objects.values_list("image", "is_lead")) == [("", False)]
    assert media_files(settings) == []


@pytest.mark.django_db
def test_pictures_are_fetched_a_few_at_a_time_and_each_address_once(server):
    records = [story(number, status="draft", images=[remote(server.url("/good.jpg"))]) for number in range(1, 4)]
    records.append(story(4, status="draft", images=[remote(server.url("/other.jpg"))]))

    report = load(records, fetch_images=LOCAL)

    assert report.created == 4 and report.notes == []
    assert sorted(server.paths) == ["/good.jpg", "/other.jpg"]
    assert ImageCaption.objects.exclude(image="").count() == 4


# The command.


def feed(folder, server, *paths):
    """A jsonl file with one draft story per picture address, each picture known only by its url."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = [
        json.dumps(
            {
                "origin": "wire",
                "external_id": f"wire-{number}",
                "headline": f"Ferry timetable changes, part {number}",
                "body_html": "<p>The ferry runs every ten minutes.</p>",
                "images": [{"url": server.url(path), "caption": "The ferry", "credit": "Gazette", "lead": True}],
            }
        )
        for number, path in enumerate(paths, 1)
    ]
    path = folder / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*args):
    stdout = io.StringIO()
    call_command("import_articles", *map(str, args), stdout=stdout, stderr=io.StringIO())
    return stdout.getvalue()


@pytest.fixture
def local_fetching(monkeypatch):
    """``--fetch-images`` as the command gives it, but allowed to reach the test server on 127.0.0.1."""
    monkeypatch.setattr(
        import_articles, "FetchPolicy", functools.partial(FetchPolicy, timeout=2, allow_address=loopback)
    )


@pytest.mark.django_db
def test_without_the_option_nothing_is_fetched(server, tmp_path, settings):
    report = tmp_path / "report.json"

    run(feed(tmp_path / "in", server, "/good.jpg"), "--report", report)

    assert server.requests == []
    assert ImageCaption.objects.get().image == ""
    assert json.loads(report.read_text())["notes"][0]["reason"] == (
        f"images[0]: remote pictures are not fetched; {server.url('/good.jpg')} is awaiting its photo"
    )


@pytest.mark.django_db
def test_fetch_images_end_to_end_and_a_second_run_fetches_nothing(server, tmp_path, settings, local_fetching):
    path = feed(tmp_path / "in", server, "/good.jpg", "/nowhere.jpg")
    report = tmp_path / "report.json"

    assert "2 created, 0 updated, 0 unchanged, 0 failed" in run(path, "--fetch-images", "--report", report)

    fetched, awaiting = ImageCaption.objects.order_by("article__import_id")
    assert fetched.is_lead and fetched.image.name in media_files(settings, "images/")
    assert awaiting.image == "" and not awaiting.is_lead
    assert [note["reason"] for note in json.loads(report.read_text())["notes"]] == [
        f"images[0]: {server.url('/nowhere.jpg')}: answered HTTP 404; the caption is kept awaiting its photo"
    ]
    asked = len(server.requests)

    assert "0 created, 0 updated, 2 unchanged, 0 failed" in run(path, "--fetch-images")
    assert "0 created, 0 updated, 2 unchanged, 0 failed" in run(path)  # the photo stays without the option
    assert len(server.requests) == asked
    assert ImageCaption.objects.get(pk=fetched.pk).image == fetched.image


@pytest.mark.django_db
def test_a_story_imported_without_the_option_is_fetched_when_it_is_given(server, tmp_path, local_fetching):
    path = feed(tmp_path / "in", server, "/good.jpg")
    run(path)

    assert "0 created, 1 updated, 0 unchanged, 0 failed" in run(path, "--fetch-images")
    assert server.paths == ["/good.jpg"]
    assert ImageCaption.objects.get().image != ""


@pytest.mark.django_db
def test_a_dry_run_may_fetch_but_writes_nothing(server, tmp_path, settings, local_fetching):
    output = run(feed(tmp_path / "in", server, "/good.jpg"), "--fetch-images", "--dry-run")

    assert "Dry run, nothing written: 1 created" in output
    assert server.paths == ["/good.jpg"]
    assert Article.objects.count() == 0 and media_files(settings) == []
