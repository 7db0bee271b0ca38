"""Latency and throughput of the Space's "Explain" request, served by the running app on the CPU, beside the floor: the
same work done directly in Python in the same process.

One request = what a visitor's Explain and Grad-CAM buttons ask of the server: the `/explain` endpoint (image
classifier, emotion-grounded beam-5 caption, attention maps for every word) then `/grad_cam` (the classifier's
forward and backward). The floor = one `pipeline("artemis-captioning")` call with `emotion="auto"` (the classifier's
forward inside it), `return_attention=True`, plus one Grad-CAM: no HTTP, no queue, no batching.

Measured per model set, in one run: the floor (p50/p95 over --requests paintings); one client at a time over HTTP,
p50/p95 and requests/s, with two clients: a browser's way (upload, join the queue, read the event's server-sent
messages as they arrive: what the page's JavaScript does) and `gradio_client` (which polls its queue of received
messages every 50 ms: an overhead of that Python client, not of the server); --clients browser-like clients at once
for --duration seconds (requests/s, p50/p95, errors, the batch sizes the app served). Model sets: "quickstart" (the folders of `artemis-hf quickstart`; a tiny random
image classifier where it made none) and "reference" (random weights at the paper's sizes: ResNet-34 at 256 px for
the speaker and the classifier, LSTM 512, a 14,473-word vocabulary). Targets, as ratios because hosts differ: one
client's p95 within 1.3x the floor's; concurrent clients served without error at 2x the one-at-a-time rate or more.

    python benchmarks/space.py [--models quickstart reference] [--quickstart_dir outputs/quickstart]
                               [--requests 20] [--clients 8] [--duration 60] [--threads N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

REFERENCE_WORDS = 14_469  # + 4 special tokens: the reference's 14,473
PAINTING_SIZE = 256  # the synthetic paintings sent, in pixels


def reference_models(folder: Path) -> dict[str, str]:
    """Random models at the paper's sizes, saved as a trained speaker and classifier would be."""
    import torch

    from artemis_hf.data.text import build_tokenizer
    from artemis_hf.models.image_emotion import (
        ImageEmotionConfig,
        ImageEmotionForImageClassification,
        ImageEmotionImageProcessor,
    )
    from artemis_hf.models.speaker_sat import (
        SpeakerSATConfig,
        SpeakerSATForConditionalGeneration,
        SpeakerSATProcessor,
    )
    from artemis_hf.training.speaker import image_processor, save_speaker

    torch.manual_seed(0)
    tokenizer = build_tokenizer([f"word{n}" for n in range(REFERENCE_WORDS)])
    config = SpeakerSATConfig(backbone="resnet34", emotion_grounding=True, vocab_size=len(tokenizer))
    speaker = SpeakerSATForConditionalGeneration(config).eval()
    save_speaker(speaker, SpeakerSATProcessor(image_processor(256), tokenizer), folder / "speaker-sat")
    ImageEmotionForImageClassification(ImageEmotionConfig(backbone="resnet34")).save_pretrained(
        folder / "image-emotion"
    )
    ImageEmotionImageProcessor.from_timm("resnet34", size=256).save_pretrained(folder / "image-emotion")
    return {"speaker": str(folder / "speaker-sat"), "image_classifier": str(folder / "image-emotion")}


def quickstart_models(quickstart_dir: Path, folder: Path) -> dict[str, str]:
    """The quickstart's speaker-sat and image-emotion (a tiny random classifier at 64 px where it made none)."""
    if not (quickstart_dir / "speaker-sat").is_dir():
        raise FileNotFoundError(f"--quickstart_dir {quickstart_dir}: no speaker-sat (run `artemis-hf quickstart`)")
    classifier = quickstart_dir / "image-emotion"
    models = {"speaker": str(quickstart_dir / "speaker-sat"), "image_classifier": str(classifier)}
    if not classifier.is_dir():
        import torch

        from artemis_hf.models.image_emotion import (
            ImageEmotionConfig,
            ImageEmotionForImageClassification,
            ImageEmotionImageProcessor,
        )

        torch.manual_seed(0)
        tiny = {"backbone": "resnet10t", "backbone_kwargs": {"channels": [8, 16, 32, 64], "stem_width": 8}}
        ImageEmotionForImageClassification(ImageEmotionConfig(**tiny)).save_pretrained(folder / "image-emotion")
        ImageEmotionImageProcessor.from_timm("resnet10t", size=64).save_pretrained(folder / "image-emotion")
        models.update(image_classifier=str(folder / "image-emotion"), note="the quickstart made no image classifier")
    return models


def paintings(folder: Path, count: int) -> list[str]:
    from artemis_hf.data.synthetic import make_synthetic_release

    release = make_synthetic_release(folder, num_paintings=count, image_size=PAINTING_SIZE, seed=1, num_workers=1)
    return sorted(str(path) for path in release.images_dir.glob("*/*.jpg"))


def percentiles(seconds: list[float]) -> dict[str, float]:
    if not seconds:
        return {"p50_s": None, "p95_s": None}
    return {"p50_s": float(np.percentile(seconds, 50)), "p95_s": float(np.percentile(seconds, 95))}


class Floor:
    """The same work directly in Python: one captioning pipeline call ('auto', attention) and one Grad-CAM."""

    def __init__(self, app):
        models = app.explainer.models
        self.captioner = next(iter(models.speakers.values())).captioner
        self.classifier, self.num_beams = models.classifier, app.explainer.num_beams

    def __call__(self, image: str) -> tuple[float, float]:
        """Seconds of the caption, and of the Grad-CAM."""
        from artemis_hf.models.image_emotion import grad_cam
        from artemis_hf.pipelines.captioning import load_rgb

        start = time.perf_counter()
        self.captioner(image, emotion="auto", num_beams=self.num_beams, return_attention=True)
        middle = time.perf_counter()
        pixel_values = self.classifier.image_processor(images=[load_rgb(image)], return_tensors="pt")["pixel_values"]
        grad_cam(self.classifier.model, pixel_values)
        return middle - start, time.perf_counter() - middle


class BrowserClient:
    """An event as the page's JavaScript runs it: upload the painting, join the queue, then read the event's
    server-sent messages as the server pushes them, until its result."""

    def __init__(self, url: str):
        import httpx

        self.http = httpx.Client(base_url=url, timeout=None)
        dependencies = self.http.get("config").json()["dependencies"]
        self.fn_index = {d["api_name"]: d["id"] for d in dependencies if d.get("api_name")}

    def predict(self, image: str, *data, api_name: str) -> list:
        with open(image, "rb") as file:
            [path] = self.http.post("gradio_api/upload", files=[("files", (Path(image).name, file))]).json()
        painting = {"path": path, "orig_name": Path(image).name, "meta": {"_type": "gradio.FileData"}}
        session = uuid.uuid4().hex
        body = {"data": [painting, *data], "fn_index": self.fn_index[api_name.strip("/")], "session_hash": session}
        self.http.post("gradio_api/queue/join", json=body).raise_for_status()
        with self.http.stream("GET", "gradio_api/queue/data", params={"session_hash": session}) as stream:
            for line in stream.iter_lines():
                message = json.loads(line[5:]) if line.startswith("data:") else {}
                if message.get("msg") == "process_completed":
                    if not message.get("success"):
                        raise RuntimeError(f"{api_name} failed: {message.get('output')}")
                    return message["output"]["data"]
        raise RuntimeError(f"{api_name}: the stream ended without a result")


def gradio_client(url: str):
    from gradio_client import Client, handle_file

    client = Client(url, analytics_enabled=False, verbose=False)

    class Adapter:  # the same call as BrowserClient's
        def predict(self, image: str, *data, api_name: str):
            return client.predict(handle_file(image), *data, api_name=api_name)

    return Adapter()


def explain_request(client, speaker: str, image: str) -> float:
    start = time.perf_counter()
    client.predict(image, speaker, "auto", api_name="/explain")
    client.predict(image, "auto", api_name="/grad_cam")
    return time.perf_counter() - start


def one_at_a_time(app, url: str, speaker: str, images: list[str]) -> dict:
    """The floor and one client of each kind over HTTP, painting by painting in turn, so that a busy host slows all
    alike; and the round trip of an event that does nothing heavy (`/check_painting`): what HTTP, upload and queue
    cost."""
    clients, floor = {"browser": BrowserClient(url), "gradio_client": gradio_client(url)}, Floor(app)
    floor(images[0])  # warm-up
    for client in clients.values():
        explain_request(client, speaker, images[0])
    captions, cams, requests, round_trips = [], [], {name: [] for name in clients}, {name: [] for name in clients}
    for image in images:
        caption, cam = floor(image)
        captions.append(caption)
        cams.append(cam)
        for name, client in clients.items():
            requests[name].append(explain_request(client, speaker, image))
            start = time.perf_counter()
            client.predict(image, api_name="/check_painting")
            round_trips[name].append(time.perf_counter() - start)
    totals = [caption + cam for caption, cam in zip(captions, cams)]
    return {
        "floor": {**percentiles(totals), "caption_p50_s": percentiles(captions)["p50_s"],
                  "grad_cam_p50_s": percentiles(cams)["p50_s"]},
        **{f"one_client_{name}": {**percentiles(seconds), "requests_per_second": len(seconds) / sum(seconds),
                                  "empty_round_trip_p50_s": percentiles(round_trips[name])["p50_s"]}
           for name, seconds in requests.items()},
    }  # fmt: skip


def concurrent_clients(url: str, speaker: str, images: list[str], clients: int, duration: float) -> dict:
    """`clients` visitors asking again and again for `duration` seconds; requests still running then are awaited."""
    visitors = [BrowserClient(url) for _ in range(clients)]
    seconds, errors, lock = [], [], threading.Lock()
    start = time.perf_counter()

    def visit(number: int) -> None:
        request = number
        while time.perf_counter() - start < duration:
            try:
                took = explain_request(visitors[number], speaker, images[request % len(images)])
                with lock:
                    seconds.append(took)
            except Exception as error:  # counted: the figure is how many failed
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
            request += clients

    threads = [threading.Thread(target=visit, args=(number,)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "clients": clients,
        "seconds": elapsed,
        "requests": len(seconds),
        "requests_per_second": len(seconds) / elapsed,
        **percentiles(seconds),
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def benchmark(name: str, models: dict[str, str], images: list[str], args, folder: Path) -> dict:
    from artemis_hf import demo
    from artemis_hf.demo_arguments import DemoArguments

    settings = DemoArguments(
        speaker=[models["speaker"]],
        image_classifier=models["image_classifier"],
        text_classifier="none",  # not part of the floor's work
        votes_db=str(folder / f"{name}-votes.sqlite3"),
        max_batch_size=args.clients,
    ).resolve()
    app = demo.build_app(settings)
    port = free_port()
    demo.launch(app, server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    url, speaker = f"http://127.0.0.1:{port}/", models["speaker"]
    try:
        results = {"models": models, **one_at_a_time(app, url, speaker, images)}
        served_before = app.explainer.batch_sizes.copy()
        results["concurrent"] = concurrent_clients(url, speaker, images, args.clients, args.duration)
        results["concurrent"]["explain_batch_sizes"] = dict(
            sorted((app.explainer.batch_sizes - served_before).items())
        )
    finally:
        app.close()
    for name in ("browser", "gradio_client"):
        results[f"one_client_{name}_p95_over_floor_p95"] = (
            results[f"one_client_{name}"]["p95_s"] / results["floor"]["p95_s"]
        )
    results["concurrent_rate_over_one_client_rate"] = (
        results["concurrent"]["requests_per_second"] / results["one_client_browser"]["requests_per_second"]
    )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--models", nargs="+", choices=("quickstart", "reference"), default=["quickstart", "reference"]
    )
    parser.add_argument("--quickstart_dir", default="outputs/quickstart", help="The quickstart's --output_dir.")
    parser.add_argument("--requests", type=int, default=20, help="Paintings timed one at a time (floor, one client).")
    parser.add_argument("--clients", type=int, default=8, help="Visitors asking at once (and the app's batch size).")
    parser.add_argument("--duration", type=float, default=60, help="Seconds the concurrent clients keep asking.")
    parser.add_argument("--threads", type=int, default=0, help="CPU threads for torch (0: torch's default).")
    args = parser.parse_args()

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    results = {}
    # gradio and the model loaders print as they go: stdout carries the JSON alone.
    with contextlib.redirect_stdout(sys.stderr), tempfile.TemporaryDirectory(prefix="artemis-space-benchmark-") as tmp:
        folder = Path(tmp)
        images = paintings(folder / "paintings", args.requests)
        for name in args.models:
            (folder / name).mkdir()
            if name == "reference":
                models = reference_models(folder / name)
            else:
                models = quickstart_models(Path(args.quickstart_dir), folder / name)
            results[name] = benchmark(name, models, images, args, folder)
    settings = {
        "requests": args.requests,
        "clients": args.clients,
        "duration_s": args.duration,
        "torch_threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "painting_size": PAINTING_SIZE,
    }
    print(json.dumps({"settings": settings, "results": results}, indent=1))


if __name__ == "__main__":
    main()
