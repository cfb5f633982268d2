"""
Procedural "photos" for the demo newsroom, drawn with Pillow.

No picture ships with the repository; each demo image is drawn from its scene
name and a seed, so the same story always gets the same picture.
"""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

WIDTH, HEIGHT = 1600, 1067

# Sky top, sky bottom, ground or water, accent.
PALETTES = {
    "harbour": ((86, 140, 196), (236, 196, 160), (38, 84, 120), (200, 70, 40)),
    "city": ((120, 150, 190), (225, 225, 230), (70, 72, 80), (230, 180, 60)),
    "hills": ((110, 170, 220), (220, 235, 245), (70, 120, 60), (240, 240, 230)),
    "night": ((10, 16, 40), (40, 50, 90), (20, 20, 30), (250, 210, 110)),
    "crowd": ((150, 170, 200), (230, 220, 210), (90, 80, 90), (200, 40, 60)),
    "field": ((130, 180, 230), (240, 240, 220), (150, 150, 60), (220, 200, 80)),
    "coast": ((100, 160, 210), (250, 220, 190), (40, 110, 140), (235, 215, 170)),
    "market": ((160, 180, 200), (240, 230, 210), (120, 90, 70), (220, 90, 40)),
    "interior": ((200, 190, 170), (240, 235, 220), (120, 100, 80), (60, 90, 120)),
    "stadium": ((90, 140, 200), (210, 225, 240), (50, 130, 60), (240, 240, 240)),
}


def _gradient(draw, top, bottom, height, width):
    for y in range(height):
        t = y / max(height - 1, 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)


def _shade(colour, amount):
    return tuple(max(0, min(255, round(c * amount))) for c in colour)


def draw_scene(scene, seed):
    """Return a PIL image for ``scene`` (a key of PALETTES), the same for the same seed."""
    rng = random.Random(seed)
    sky_top, sky_bottom, ground, accent = PALETTES.get(scene, PALETTES["city"])
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    horizon = int(HEIGHT * rng.uniform(0.5, 0.68))
    _gradient(draw, sky_top, sky_bottom, horizon, WIDTH)

    if scene == "night":
        for _ in range(120):
            x, y = rng.randrange(WIDTH), rng.randrange(horizon)
            draw.point((x, y), fill=(255, 255, 235))
        draw.ellipse((WIDTH * 0.75, 90, WIDTH * 0.75 + 110, 200), fill=(245, 240, 215))
    else:
        sun_x = rng.uniform(0.1, 0.9) * WIDTH
        sun_y = horizon * rng.uniform(0.25, 0.6)
        draw.ellipse((sun_x - 70, sun_y - 70, sun_x + 70, sun_y + 70), fill=_shade(sky_bottom, 1.08))

    # Distant skyline or hills on the horizon.
    x = 0
    while x < WIDTH:
        if scene in {"hills", "field", "coast"}:
            width = rng.randint(260, 520)
            height = rng.randint(60, 180)
            draw.ellipse((x - width // 3, horizon - height, x + width, horizon + height), fill=_shade(ground, 0.8))
            x += width // 2
        else:
            width = rng.randint(50, 140)
            height = rng.randint(60, 330)
            body = _shade(ground, rng.uniform(0.7, 1.3))
            draw.rectangle((x, horizon - height, x + width, horizon), fill=body)
            for wy in range(horizon - height + 15, horizon - 10, 28):
                for wx in range(x + 10, x + width - 12, 22):
                    if rng.random() < (0.7 if scene == "night" else 0.35):
                        draw.rectangle((wx, wy, wx + 9, wy + 13), fill=_shade(accent, rng.uniform(0.8, 1.1)))
            x += width + rng.randint(0, 18)

    # Foreground: water, grass, pitch or floor.
    _gradient_box = Image.new("RGB", (WIDTH, HEIGHT - horizon))
    _gradient(ImageDraw.Draw(_gradient_box), _shade(ground, 1.15), _shade(ground, 0.6), HEIGHT - horizon, WIDTH)
    image.paste(_gradient_box, (0, horizon))
    draw = ImageDraw.Draw(image)

    if scene in {"harbour", "coast"}:
        for _ in range(40):
            y = rng.randint(horizon + 8, HEIGHT)
            x0 = rng.randrange(WIDTH)
            draw.line((x0, y, x0 + rng.randint(40, 160), y), fill=_shade(ground, 1.5), width=2)
        for _ in range(rng.randint(2, 4)):
            bx = rng.randint(80, WIDTH - 300)
            by = rng.randint(horizon + 40, HEIGHT - 120)
            draw.polygon([(bx, by), (bx + 240, by), (bx + 200, by + 50), (bx + 30, by + 50)], fill=accent)
            draw.rectangle((bx + 70, by - 60, bx + 130, by), fill=(240, 240, 235))
    elif scene in {"crowd", "market"}:
        for _ in range(90):
            px = rng.randrange(WIDTH)
            py = rng.randint(horizon + 20, HEIGHT)
            scale = 0.5 + (py - horizon) / (HEIGHT - horizon)
            colour = (rng.randint(40, 230), rng.randint(40, 200), rng.randint(40, 200))
            draw.ellipse((px - 18 * scale, py - 90 * scale, px + 18 * scale, py - 54 * scale), fill=(200, 160, 130))
            draw.rounded_rectangle((px - 30 * scale, py - 54 * scale, px + 30 * scale, py + 40 * scale), 12, colour)
    elif scene == "stadium":
        draw.line((0, horizon + 120, WIDTH, horizon + 120), fill=accent, width=6)
        draw.ellipse((WIDTH / 2 - 120, horizon + 60, WIDTH / 2 + 120, horizon + 180), outline=accent, width=6)
    elif scene == "field":
        for row in range(horizon + 20, HEIGHT, 36):
            draw.line((0, row, WIDTH, row + rng.randint(-20, 20)), fill=_shade(ground, 0.8), width=5)
    elif scene == "interior":
        for lx in range(120, WIDTH, 360):
            draw.rectangle(
                (lx, 120, lx + 200, horizon - 60), fill=(250, 245, 225), outline=_shade(ground, 0.7), width=8
            )

    return image.filter(ImageFilter.GaussianBlur(radius=1.2))


def render_jpeg(scene, seed, quality=82):
    """The scene as JPEG bytes, ready to save through Django's storage."""
    buffer = io.BytesIO()
    draw_scene(scene, seed).save(buffer, format="JPEG", quality=quality, optimize=True, progressive=True)
    return buffer.getvalue()
