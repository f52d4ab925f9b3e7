"""`moba watch FILE` (a pygame window on a replay) and `moba render FILE -o
OUT` (the same pictures, headless, to a GIF, an MP4 or a folder of PNGs)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from moba.compile import ensure_compiled
from replays import load_replay
from replays.playback import Playback

SPEEDS = (0.25, 0.5, 1, 2, 4, 8, 16)
HELP = ("space pause  +/- speed  v fog view  0-9 follow hero (` whole map)  wheel zoom  "
        "click the timeline to seek  b branch here  esc quit")


def cmd_watch(args) -> None:
    watch(args.replay, args.view, args.speed, args.critic)


def branch_commands(path: str | Path, tick: int, lineup: list[str]) -> list[str]:
    """The commands that go on from this moment of the replay: live, taking
    over a hero, or as many what-if games."""
    from replays.format import clock

    at = clock(tick)
    return [f"moba play --from {path} --at {at} --hero {lineup[0]}",
            f"moba match --from {path} --at {at} --radiant scripted --dire scripted --games 100"]


def cmd_render(args) -> None:
    n = render(args.replay, args.out, args.view, args.speed, args.fps, args.start, args.seconds,
               args.follow, args.size)
    print(f"wrote {n} frames to {args.out}")


def watch(path: str | Path, fog: str = "all", speed: float = 1.0, critic: str | None = None) -> None:
    import pygame

    from engine.tables import HEROES
    from moba.render import VIEWS, Renderer, View

    replay = load_replay(path)
    ensure_compiled()
    if critic is not None:
        replay.win = _score(replay, critic)
    playback = Playback(replay)
    lineup = [HEROES[h].name for h in replay.header["lineup"]]
    notes: list[str] = []
    pygame.init()
    renderer = Renderer(playback.env)
    screen = pygame.display.set_mode(renderer.size, pygame.RESIZABLE)
    pygame.display.set_caption(f"moba watch {Path(path).name}")
    clock = pygame.time.Clock()
    view, paused, credit = View(fog=fog), False, 0.0
    speed_i = min(range(len(SPEEDS)), key=lambda i: abs(SPEEDS[i] - speed))
    keyframes = [k.step for k in playback.replay.keyframes]
    per_second = 30 / playback.env.config.frameskip  # decisions per game second
    while True:
        for event in pygame.event.get():
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                pygame.quit()
                return
            if event.type == pygame.KEYDOWN:
                if event.key == pygame.K_SPACE:
                    paused = not paused
                elif event.unicode in ("+", "="):
                    speed_i = min(speed_i + 1, len(SPEEDS) - 1)
                elif event.unicode == "-":
                    speed_i = max(speed_i - 1, 0)
                elif event.unicode == "v":
                    view.fog = VIEWS[(VIEWS.index(view.fog) + 1) % len(VIEWS)]
                elif event.unicode.isdigit():
                    view.follow, view.zoom = (int(event.unicode) + 9) % 10, max(view.zoom, 2.5)
                elif event.unicode == "`":
                    view.follow, view.zoom = -1, 1.0
                elif event.unicode == "b":
                    hero = lineup[view.follow] if view.follow >= 0 else lineup[0]
                    notes = branch_commands(path, int(playback.env.view().tick[0]), [hero])
                    print("\n".join(["to go on from here:", *notes]), flush=True)
            elif event.type == pygame.MOUSEWHEEL:
                view.zoom = float(np.clip(view.zoom * (1.25 if event.y > 0 else 0.8), 1.0, 8.0))
            elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
                bar = renderer.timeline_rect()
                if bar.collidepoint(event.pos):
                    playback.seek(int((event.pos[0] - bar.x) / bar.w * playback.steps))
                    renderer.forget()  # nothing to glide from, and sightings from another time
            elif event.type == pygame.VIDEORESIZE:
                screen = pygame.display.set_mode(event.size, pygame.RESIZABLE)
        if not paused and not playback.finished:
            credit += SPEEDS[speed_i] * per_second / 30.0
            while credit >= 1.0 and playback.advance():
                credit -= 1.0
        # Units glide toward the latest state as the credit for the next one accrues.
        renderer.draw(screen, 0, view, (playback.step, playback.steps, keyframes), playback.replay.win,
                      t=1.0 if playback.finished else credit)
        status = f"{SPEEDS[speed_i]:g}x{'  paused' if paused else ''}{'  (end)' if playback.finished else ''}"
        renderer.draw_notes(screen, [status, HELP, *notes], (200, 200, 200))
        renderer.tooltip(screen, pygame.mouse.get_pos(), 0, view)
        pygame.display.flip()
        clock.tick(30)


def _score(replay, checkpoint: str) -> np.ndarray:
    """`moba.critic.score`, with a progress bar."""
    import sys

    from tqdm import tqdm

    from moba.critic import score

    desc = f"scoring with {Path(checkpoint).name}"
    with tqdm(total=replay.steps, unit="decision", file=sys.stderr, desc=desc) as bar:
        return score(replay, checkpoint, on_step=lambda i: bar.update(1))


def render(path: str | Path, out: str | Path, fog: str = "all", speed: float = 4.0, fps: int = 15,
           start: float = 0.0, seconds: float | None = None, follow: int = -1, size: int = 720) -> int:
    """Write frames of the replay to `out` (.gif, .mp4, or a folder of PNGs):
    `speed` x real time, shown at `fps` frames per second. Returns the frame count."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from moba.render import Renderer, View

    out = Path(out)
    kind = "png" if not out.suffix else out.suffix.lower()[1:]
    if kind not in ("gif", "mp4", "png"):
        raise ValueError(f"render output must end in .gif or .mp4, or be a folder; got {str(out)!r}")
    replay = load_replay(path)
    ensure_compiled()
    playback = Playback(replay)
    pygame.display.init()
    renderer = Renderer(playback.env, size)
    surface = pygame.Surface(renderer.size)
    per_frame = speed * (30 / playback.env.config.frameskip) / fps  # decisions per frame
    per_second = 30 / playback.env.config.frameskip  # decisions per game second
    first = int(start * per_second)
    playback.seek(first)
    last = playback.steps - 1 if seconds is None else min(playback.steps - 1, first + int(seconds * per_second))
    keyframes = [k.step for k in playback.replay.keyframes]
    frames, credit = [], 0.0
    view = View(fog=fog, follow=follow, zoom=2.5 if follow >= 0 else 1.0)
    while True:
        renderer.draw(surface, 0, view, (playback.step, playback.steps, keyframes), playback.replay.win)
        frames.append(pygame.surfarray.array3d(surface).transpose(1, 0, 2))
        if playback.step >= last:
            break
        credit += per_frame
        while credit >= 1.0 and playback.step < last:
            playback.advance()
            credit -= 1.0
    _write(frames, out, kind, fps)
    return len(frames)


def _write(frames: list[np.ndarray], out: Path, kind: str, fps: int) -> None:
    if kind == "png":
        from PIL import Image

        out.mkdir(parents=True, exist_ok=True)
        for i, frame in enumerate(frames):
            Image.fromarray(frame).save(out / f"frame_{i:05d}.png")
    elif kind == "gif":
        from PIL import Image

        images = [Image.fromarray(f).quantize(colors=128) for f in frames]
        out.parent.mkdir(parents=True, exist_ok=True)
        images[0].save(out, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
    else:
        try:
            import imageio.v3 as iio
        except ImportError:
            raise ValueError("MP4 needs the video extra: pip install 'moba[video]' (or render to .gif)") from None
        out.parent.mkdir(parents=True, exist_ok=True)
        iio.imwrite(out, np.stack(frames), fps=fps, codec="libx264")
