"""
Downloading a picture an import knows only by its address (``import_articles --fetch-images``).

``fetch(url, stream, policy)`` writes one remote picture into ``stream`` or raises
``FetchError`` with a reason a desk can read ("refused: 10.0.0.5 is not a public
address", "timed out after 20 s", "answered HTTP 404", "larger than 25 MB"). An
address in an input file is someone else's text, so nothing here trusts it:

* only ``http`` and ``https``, and no user name or password in the address;
* the host name is resolved once and *every* address it resolves to must be public
  (``is_public_address``): not private, loopback, link-local (the cloud metadata
  service at 169.254.169.254 above all), shared (100.64.0.0/10), multicast, reserved,
  unspecified, documentation or IPv6 site-local, nor an IPv6 address standing for such
  an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo). The connection then goes
  to the vetted address itself, never to the name again, so a DNS answer that changes
  in between (DNS rebinding) cannot send it elsewhere; the Host header, and for https
  the SNI and the certificate check, use the name;
* at most ``max_redirects`` redirects, each new address vetted in the same way;
* one time limit for everything (resolving, connecting, TLS, the answer's headers and
  body), enforced by a watchdog that cuts the connection, so a server that trickles
  bytes cannot stretch it;
* the answer must be ``200``; a body over the image gate's byte limit
  (``articles.images.MAX_BYTES``) is refused from its Content-Length when it gives one,
  and otherwise as soon as the limit is passed; it is read in chunks;
* no cookies, no credentials, no proxy and no compression are ever sent or used; the
  User-Agent names Newsroom.

What comes back is only bytes: whether they are a picture is for the image gate
(``articles.images``), exactly as for a local file.
"""

import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from articles import images as photos

TIMEOUT_SECONDS = 20
MAX_REDIRECTS = 3
FETCH_THREADS = 4
CHUNK_BYTES = 64 * 1024
USER_AGENT = "Newsroom/1.0 (picture import)"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

# Never reachable, whatever ``is_global`` says on a given Python release (its tables
# changed between 3.11 patch releases). ``::/8`` holds the IPv4-mapped, IPv4-compatible
# and NAT64 forms, which would otherwise let an IPv6 address stand for any IPv4 one.
_REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(network)
    for network in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (carrier-grade NAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, 255.255.255.255 included
        "::/8",
        "100::/64",
        "2001::/23",  # Teredo and other special-purpose blocks
        "2001:db8::/32",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local
        "ff00::/8",  # multicast
    )
)


class FetchError(Exception):
    """The picture could not be fetched; the message says why."""


class TooLarge(FetchError):
    """The picture is larger than the image gate takes (the same refusal as for a local file)."""


def is_public_address(address):
    """True only for an IP address (a string) on the public internet; anything in doubt is refused."""
    try:
        ip = ipaddress.ip_address(str(address).split("%", 1)[0])
    except ValueError:
        return False
    if any(ip in network for network in _REFUSED_NETWORKS if network.version == ip.version):
        return False
    if not ip.is_global or any(
        (ip.is_private, ip.is_loopback, ip.is_link_local, ip.is_multicast, ip.is_reserved, ip.is_unspecified)
    ):
        return False
    if ip.version == 6:
        if ip.is_site_local or ip.teredo is not None or ip.ipv4_mapped is not None:
            return False
        if ip.sixtofour is not None:  # 2002::/16 carries an IPv4 address, which must be public too
            return is_public_address(str(ip.sixtofour))
    return True


@dataclass(frozen=True)
class FetchPolicy:
    """
    How pictures are fetched: the limits, how many at a time, and which addresses may be reached.

    ``max_bytes`` None means the image gate's limit (``articles.images.MAX_BYTES``).
    ``allow_address`` takes an IP address as a string; only tests, which serve pictures
    from 127.0.0.1, have reason to give anything but ``is_public_address``.
    """

    timeout: float = TIMEOUT_SECONDS
    max_bytes: int | None = None
    max_redirects: int = MAX_REDIRECTS
    threads: int = FETCH_THREADS
    allow_address: Callable[[str], bool] = is_public_address


def fetch(url, stream, policy=None):
    """
    Write the picture at ``url`` into ``stream`` (binary, writable) under ``policy`` (a ``FetchPolicy``).

    Raises ``FetchError`` (``TooLarge`` for a picture over the byte limit); what was
    written to ``stream`` before a failure is to be thrown away.
    """
    policy = policy or FetchPolicy()
    limit = policy.max_bytes or photos.MAX_BYTES
    deadline = _Deadline(policy.timeout)
    try:
        for _ in range(policy.max_redirects + 1):
            location = _get(url, stream, limit, policy, deadline)
            if location is None:
                return
            url = location
        raise FetchError(f"more than {policy.max_redirects} redirects")
    except _Expired:
        raise FetchError(f"timed out after {policy.timeout:g} s") from None
    except FetchError:
        raise
    except Exception as problem:
        if deadline.expired or isinstance(problem, TimeoutError):
            raise FetchError(f"timed out after {policy.timeout:g} s") from None
        raise FetchError(_describe(problem)) from None
    finally:
        deadline.cancel()


def _get(url, stream, limit, policy, deadline):
    """One request: None once the body is in ``stream``, or the address a redirect points to."""
    host, port, target, tls = _vetted_target(url)
    addresses = _resolve(host, port, deadline)
    for address in addresses:
        if not policy.allow_address(address[4][0]):
            raise FetchError(f"refused: {address[4][0]} is not a public address")
    connection = _PinnedConnection(host, port, addresses, deadline, tls)
    try:
        connection.request(
            "GET",
            target,
            headers={"User-Agent": USER_AGENT, "Accept": "image/*", "Accept-Encoding": "identity"},
        )
        response = connection.getresponse()
        if response.status in REDIRECT_STATUSES:
            location = response.getheader("Location", "").strip()
            if not location:
                raise FetchError(f"answered HTTP {response.status} without saying where to")
            return urljoin(url, location)
        if response.status != 200:
            raise FetchError(f"answered HTTP {response.status}")
        declared = response.getheader("Content-Length", "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise TooLarge(f"larger than {_megabytes(limit)}")
        received = 0
        while chunk := response.read1(CHUNK_BYTES):
            received += len(chunk)
            if received > limit:
                raise TooLarge(f"larger than {_megabytes(limit)}")
            stream.write(chunk)
            deadline.remaining()
        deadline.remaining()  # a body cut short by the watchdog is not a whole picture
        return None
    finally:
        connection.close()


def _vetted_target(url):
    """``(host, port, request target, TLS context or None)`` for an http(s) address; ``FetchError`` otherwise."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise FetchError("refused: not a valid address") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError("refused: only http and https addresses are fetched")
    if parts.username is not None or parts.password is not None:
        raise FetchError("refused: an address with a user name or password is not fetched")
    if not parts.hostname:
        raise FetchError("refused: the address has no host")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise FetchError("refused: the host name is not valid") from None
    target = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    if parts.query:
        target += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    return host, port or (443 if scheme == "https" else 80), target, _tls_context() if scheme == "https" else None


def _resolve(host, port, deadline):
    """The host's TCP addresses, as ``socket.getaddrinfo`` gives them, within the deadline."""
    found = {}

    def look_up():
        try:
            found["addresses"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as problem:
            found["problem"] = problem

    # getaddrinfo has no timeout of its own: it runs aside, and a lookup that hangs is left behind.
    worker = threading.Thread(target=look_up, name="fetch-resolve", daemon=True)
    worker.start()
    worker.join(deadline.remaining())
    if worker.is_alive():
        raise _Expired
    if "problem" in found or not found.get("addresses"):
        raise FetchError(f"{host} could not be resolved")
    return found["addresses"]


@functools.cache
def _tls_context():
    return ssl.create_default_context()  # certificates and host names checked


class _PinnedConnection(http.client.HTTPConnection):
    """
    HTTP, or HTTPS with ``tls``, to addresses already vetted: ``host`` goes in the Host
    header and the TLS handshake (SNI, certificate), but is never resolved again.
    """

    def __init__(self, host, port, addresses, deadline, tls):
        super().__init__(host, port, timeout=deadline.remaining())
        self._addresses = addresses
        self._deadline = deadline
        self._tls = tls

    def connect(self):
        problem = None
        for family, kind, protocol, _, address in self._addresses:
            sock = socket.socket(family, kind, protocol)
            try:
                self._deadline.watch(sock)
                sock.settimeout(self._deadline.remaining())
                sock.connect(address)
                if self._tls is not None:
                    sock = self._tls.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
                    self._deadline.watch(sock)
                    sock.do_handshake()
            except OSError as failure:
                sock.close()
                problem = failure
                continue
            except BaseException:
                sock.close()
                raise
            self.sock = sock
            return
        raise problem or OSError("no address to connect to")


class _Expired(Exception):
    """The fetch's time is up."""


class _Deadline:
    """
    One time limit for a whole fetch, redirects included: ``remaining()`` for each step,
    and a watchdog that shuts the connection down when time is up, waking a blocked read.
    """

    def __init__(self, seconds):
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sock = None
        self._lock = threading.Lock()
        self._watchdog = threading.Timer(seconds, self._expire)
        self._watchdog.daemon = True
        self._watchdog.start()

    def remaining(self):
        left = self.ends - time.monotonic()
        if self.expired or left <= 0:
            raise _Expired
        return left

    def watch(self, sock):
        with self._lock:
            self._sock = sock
            if self.expired:
                _shut(sock)

    def cancel(self):
        self._watchdog.cancel()

    def _expire(self):
        with self._lock:
            self.expired = True
            if self._sock is not None:
                _shut(self._sock)


def _shut(sock):
    """Shut the socket down from another thread: the plain socket's shutdown, even under TLS."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:  # not connected yet, or closed already
        pass


def _megabytes(limit):
    return f"{limit // (1024 * 1024)} MB" if limit % (1024 * 1024) == 0 else f"{limit:,} bytes"


def _describe(problem):
    """A short reason for a network or protocol failure."""
    if isinstance(problem, ssl.SSLCertVerificationError):
        return f"TLS certificate refused ({problem.verify_message or problem.reason})"
    if isinstance(problem, ssl.SSLError):
        return f"TLS failed ({problem.reason or problem})"
    if isinstance(problem, ConnectionRefusedError):
        return "the connection was refused"
    if isinstance(problem, http.client.HTTPException):
        return f"not a valid HTTP answer ({type(problem).__name__})"
    if isinstance(problem, OSError):
        return f"the connection failed ({problem.strerror or problem})"
    return f"could not be fetched ({type(problem).__name__}: {problem})"
