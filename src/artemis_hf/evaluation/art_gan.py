"""An art GAN judged by an image emotion classifier: the share of its paintings that the classifier assigns to the
emotion they were painted for (per emotion and overall), and the Frechet distance between generated and real
paintings in the classifier backbone's pooled features.

The distance is FID's formula in another feature space: no Inception weights are reachable offline, and the
classifier's features are the ones that know what makes a painting evoke an emotion. Its values are comparable only
between GANs judged by the same classifier.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from ..emotions import EMOTIONS
from .classification import eval_results_records, write_eval_results

TASK_TYPE = "unconditional-image-generation"  # the Hub's task of the GAN family's cards


@torch.no_grad()
def classify(classifier, processor, images: list, batch_size: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """(probabilities (N, 9), pooled backbone features (N, C)) of PIL images, batched."""
    probabilities, features = [], []
    for start in range(0, len(images), batch_size):
        pixel_values = processor(images[start : start + batch_size], return_tensors="pt")["pixel_values"]
        output = classifier(pixel_values=pixel_values.to(classifier.device))
        probabilities.append(output.logits.float().softmax(dim=-1).cpu())
        features.append(output.pooler_output.float().cpu())
    return torch.cat(probabilities).numpy(), torch.cat(features).numpy().astype(np.float64)


def frechet_distance(features: np.ndarray, other: np.ndarray) -> float:
    """||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2)) between the Gaussians fitted to two (N, C) feature sets.

    Tr((S1 S2)^(1/2)) is the sum of the square roots of the eigenvalues of S1^(1/2) S2 S1^(1/2), which is symmetric
    positive semi-definite: two symmetric eigendecompositions, no general matrix square root."""
    mean, other_mean = features.mean(axis=0), other.mean(axis=0)
    covariance, other_covariance = np.cov(features, rowvar=False), np.cov(other, rowvar=False)
    values, vectors = np.linalg.eigh(covariance)
    root = (vectors * np.sqrt(values.clip(min=0))) @ vectors.T  # S1^(1/2)
    cross = np.linalg.eigvalsh(root @ other_covariance @ root).clip(min=0)
    trace = np.trace(covariance) + np.trace(other_covariance) - 2 * np.sqrt(cross).sum()
    return float(((mean - other_mean) ** 2).sum() + trace)


def judge_generator(
    generator, classifier, classifier_processor, images_per_emotion: int, rng: torch.Generator
) -> dict[str, float]:
    """The classifier's verdict on `images_per_emotion` paintings of each emotion: the share classified as their
    emotion, overall and per emotion, and the mean probability it gives that emotion."""
    from ..models.art_gan import to_pil_images

    emotion_ids = torch.arange(len(EMOTIONS)).repeat_interleave(images_per_emotion)
    generated = to_pil_images(generator.sample(emotion_ids, generator=rng))
    probabilities, _ = classify(classifier, classifier_processor, generated)
    correct = probabilities.argmax(axis=1) == emotion_ids.numpy()
    figures = {"emotion_accuracy": float(correct.mean())}
    figures.update(
        {f"emotion_accuracy_{emotion.replace(' ', '_')}": float(correct[emotion_ids.numpy() == index].mean())
         for index, emotion in enumerate(EMOTIONS)}
    )  # fmt: skip
    figures["mean_confidence"] = float(probabilities[np.arange(len(correct)), emotion_ids.numpy()].mean())
    return figures


def generated_frechet_distance(
    generator, classifier, classifier_processor, real_features: np.ndarray, real_emotion_ids: np.ndarray,
    rng: torch.Generator,
) -> float:  # fmt: skip
    """The Frechet distance between one generated painting per real one, of the same emotion, and the real ones
    (`real_features`: their pooled classifier features)."""
    from ..models.art_gan import to_pil_images

    fakes = to_pil_images(generator.sample(torch.as_tensor(real_emotion_ids), generator=rng))
    _, fake_features = classify(classifier, classifier_processor, fakes)
    return frechet_distance(fake_features, real_features)


def judge_and_record(
    generator, classifier_name_or_path: str, paintings, output_dir: str | os.PathLike,
    dataset_name: str, images_per_emotion: int, seed: int,
) -> dict[str, float]:  # fmt: skip
    """Judge `generator` and its untrained twin (same config, fresh weights: the baseline of the Frechet distance)
    against `paintings` (rows of the paintings config) and write both into `output_dir/eval_results.json`."""
    from ..models.art_gan import ArtGANGenerator
    from ..visualize import load_emotion_classifier

    classifier, classifier_processor = load_emotion_classifier(classifier_name_or_path, "--classifier")
    real_emotion_ids = np.asarray(paintings["emotion_histogram"]).argmax(axis=1)
    _, real_features = classify(classifier, classifier_processor, list(paintings["image"]))  # once, for both
    rng = torch.Generator(generator.device).manual_seed(seed)
    figures = judge_generator(generator, classifier, classifier_processor, images_per_emotion, rng)
    figures["frechet_distance"] = generated_frechet_distance(
        generator, classifier, classifier_processor, real_features, real_emotion_ids, rng
    )
    figures["frechet_num_images"] = len(real_features)
    torch.manual_seed(seed)
    untrained = ArtGANGenerator(generator.config).to(generator.device)
    untrained.refresh_batch_norm_statistics()  # as the trained generator's were, before it was saved
    untrained.eval()
    figures["frechet_distance_untrained"] = generated_frechet_distance(
        untrained, classifier, classifier_processor, real_features, real_emotion_ids,
        torch.Generator(generator.device).manual_seed(seed),
    )  # fmt: skip
    split = paintings.split if isinstance(paintings.split, str) else str(paintings.split or "train")
    metrics = {name: value for name, value in figures.items() if name != "frechet_num_images"}
    records = eval_results_records(metrics, TASK_TYPE, dataset_name, "paintings", split)
    write_eval_results(records, Path(output_dir))
    return figures
