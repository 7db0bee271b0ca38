"""Self-critical sequence training (Rennie et al. 2017) of a trained speaker, as the M2 paper's second phase.

    artemis-hf train speaker --init_from runs/sat-emo --scst --output_dir runs/sat-emo-scst
    artemis-hf train speaker --init_from runs/m2-emo --scst --scst_emotion_weight 1 --eval_text_classifier runs/text

An item is a training painting with one of its annotated emotions (a painting alone for a speaker without emotion
grounding); its references are all the painting's training utterances. Per item, beam search keeps all of its
`--scst_num_beams` beams as the samples; each gets a reward, CIDEr-D against the references (`rewards.CiderD`, document
frequencies from the training references), plus `--scst_emotion_weight` times the probability that the text
classifier gives the item's emotion; the baseline is the mean reward of the item's samples, and the loss
-sum_j (r_j - baseline) log p(sample_j) raises the samples that beat their siblings. Training arguments left at their
defaults take the recipe (`arguments.SCST_RECIPE`): Adam at 5e-6, constant rate, 50 paintings per batch.
"""

from __future__ import annotations

import contextlib

import datasets
import numpy as np
import pandas as pd
import torch
from accelerate import PartialState

from ..emotions import NUM_EMOTIONS, dominant_emotion, histograms
from ..pipelines.captioning import _repeat_rows
from .arguments import SpeakerTrainingArguments
from .loop import dataloader_options
from .rewards import CiderD
from .speaker import SpeakerTask


class ScstTask(SpeakerTask):
    """The loop's "loss" is, in training, the self-critical loss per sample; in validation, minus the mean CIDEr-D of
    each validation painting's caption (the speaker's own decoding, as `artemis-hf sample`: its top beam; for the
    painting's most voted emotion when grounded), so that the best model and early stopping follow validation
    CIDEr-D, and log_history.json's validation_loss is -CIDEr-D."""

    def __init__(self, release, args):
        super().__init__(release, args)
        self.text_classifier = None
        if self.args.scst_emotion_weight:
            from ..evaluation.affective import load_text_classifier

            self.text_classifier = load_text_classifier(self.args.eval_text_classifier, device=PartialState().device)

    def get_dataloaders(self, args: SpeakerTrainingArguments):
        if self.args.cache_features:
            self._cache_grids([self.dataset["train"], self.dataset["validation"]], args.per_device_batch_size)
        train, train_references = scst_items(self.dataset["train"], self.args.emotion_grounding)
        validation, validation_references = scst_items(self.dataset["validation"], by_emotion=False)
        self.reward = CiderD(train_references, vocab_size=len(self.tokenizer))
        self.validation_reward = self.reward.with_references(validation_references)
        columns = ["painting_id", "emotion", "input_ids", "painting_index"]
        columns += [] if self.args.cache_features else ["image"]
        loader = dict(collate_fn=self.collate, batch_size=args.per_device_batch_size, **dataloader_options(args))
        return torch.utils.data.DataLoader(
            train.select_columns(columns), shuffle=True, **loader
        ), torch.utils.data.DataLoader(validation.select_columns(columns), **loader)

    def collate(self, rows: list[dict]) -> dict:
        # Images or grids and grounding emotions, an item per row (its labels go unused).
        batch = super().collate(
            [{**row, "emotion": [row["emotion"]], "input_ids": [row["input_ids"]]} for row in rows]
        )
        batch["paintings"] = torch.tensor([row["painting_index"] for row in rows])  # (B,) into the references
        batch["emotions"] = torch.tensor([row["emotion"] for row in rows])  # (B,) what the emotion reward asks for
        return batch

    def item_losses(self, model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """Training: per painting, the self-critical loss summed over its samples (B,), and the number of samples.
        Evaluation: minus the CIDEr-D of the top beam caption (B,), and ones."""
        speaker = getattr(model, "module", model)  # generate() is not DDP's
        grounding = {"emotion_ids": batch["emotion_ids"]} if self.args.emotion_grounding else {}
        encoder_outputs = self.encode(speaker, batch, grounding)  # once, for the search and the teacher forcing
        if not model.training:
            sequences = speaker.generate(encoder_outputs=type(encoder_outputs)(**encoder_outputs), **grounding)
            words = caption_tokens(sequences, self.tokenizer)[0]
            scores = self.validation_reward(words, batch["paintings"].cpu().numpy())
            scores = torch.as_tensor(scores, dtype=torch.float32, device=sequences.device)
            return -scores, torch.ones_like(scores)

        k = self.args.scst_num_beams
        with torch.no_grad(), evaluation_mode(speaker):
            sequences = speaker.generate(
                encoder_outputs=type(encoder_outputs)(**encoder_outputs),  # generate() expands a copy's tensors
                **grounding,
                num_beams=k,
                num_return_sequences=k,
            )  # (B * k, T): <sos> w1 .. wn <eos> <pad> ..
        words, predicted = caption_tokens(sequences, self.tokenizer)
        rewards = self.sample_rewards(sequences, words, batch).to(sequences.device)
        log_probs = self.sample_log_probs(model, encoder_outputs, grounding, sequences, predicted)
        return self_critical_loss(log_probs.view(-1, k), rewards.view(-1, k))

    @staticmethod
    def sample_log_probs(model, encoder_outputs, grounding: dict, sequences, predicted) -> torch.Tensor:
        """(B * k,) each sample's log-probability by a teacher-forced pass, with gradients: the sum over the tokens
        that `predicted` (B * k, T - 1) keeps (see `caption_tokens`)."""
        k = len(sequences) // len(encoder_outputs[0])
        logits = model(
            encoder_outputs=_repeat_rows(encoder_outputs, k),
            decoder_input_ids=sequences[:, :-1],
            **_repeat_rows(grounding, k),
        ).logits.float()  # (B * k, T - 1, V)
        # The chosen token's logit minus the log-normaliser: no second (B * k, T - 1, V) tensor of log-probabilities.
        token_log_probs = logits.gather(-1, sequences[:, 1:, None]).squeeze(-1) - logits.logsumexp(-1)
        return (token_log_probs * predicted).sum(1)

    def sample_rewards(self, sequences: torch.Tensor, words: list[list[int]], batch: dict) -> torch.Tensor:
        """(B * k,) CIDEr-D of each sample against its painting's training references, plus the weighted
        probability that the text classifier reads the item's emotion in it."""
        k = len(words) // len(batch["paintings"])
        rewards = self.reward(words, batch["paintings"].cpu().numpy().repeat(k))
        if self.text_classifier is not None:
            texts = self.tokenizer.batch_decode(sequences, skip_special_tokens=True)
            worded = [index for index, text in enumerate(texts) if text.strip()]  # a caption of no word reads as none
            probabilities = np.zeros((len(texts), NUM_EMOTIONS))
            if worded:
                probabilities[worded] = self.text_classifier([texts[index] for index in worded])
            emotions = batch["emotions"].cpu().numpy().repeat(k)
            rewards = rewards + self.args.scst_emotion_weight * probabilities[np.arange(len(texts)), emotions]
        return torch.as_tensor(rewards, dtype=torch.float32)

    def encode(self, speaker, batch: dict, grounding: dict):
        """The encoder's output for the batch's images or cached grids (M2's encoder also takes the emotion)."""
        return speaker.get_encoder()(**self.image_inputs(batch), **grounding)


def self_critical_loss(log_probs: torch.Tensor, rewards: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per image (B,): -sum_j (r_j - b) log p(sample_j) over its k samples, the baseline b being their mean reward
    (the samples that beat their siblings are raised, the others lowered); and k, the number of samples.
    `log_probs` and `rewards`: (B, k)."""
    advantages = rewards - rewards.mean(1, keepdim=True)
    return -(advantages * log_probs).sum(1), torch.full_like(advantages[:, 0], log_probs.shape[1])


@contextlib.contextmanager
def evaluation_mode(model: torch.nn.Module):
    """Dropout off for the search (the samples are the model's own beams), back to the model's mode after."""
    training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(training)


def caption_tokens(sequences: torch.Tensor, tokenizer) -> tuple[list[list[int]], torch.Tensor]:
    """The words of each generated sequence `<sos> w1 .. wn <eos> <pad> ..` (B, T), and the (B, T - 1) mask of the
    tokens that a teacher-forced pass predicts for it: the words and the `<eos>` (none after the first end)."""
    targets = sequences[:, 1:]
    is_pad = targets == tokenizer.pad_token_id
    ends = (targets == tokenizer.eos_token_id) | is_pad
    before_end = (ends.cumsum(1) - ends.long()) == 0  # up to the first end, that included
    lengths = (before_end & ~ends).sum(1)
    return [row[:n] for row, n in zip(targets.tolist(), lengths.tolist())], before_end & ~is_pad


def scst_items(split: datasets.Dataset, by_emotion: bool) -> tuple[datasets.Dataset, list[list[list[int]]]]:
    """The items of a split: one row per (painting, annotated emotion) when `by_emotion`, else per painting with its
    most voted emotion in `emotion`; `painting_index` points into the references, each painting's utterances as
    token ids without `<sos>` and `<eos>`."""
    frame = split.select_columns(["painting_id", "emotion"]).to_pandas()
    codes, painting_ids = pd.factorize(frame["painting_id"])  # in order of first appearance
    references = [[] for _ in painting_ids]
    for code, input_ids in zip(codes, split["input_ids"]):
        references[code].append(input_ids[1:-1])
    frame["painting_index"] = codes
    rows = frame.drop_duplicates(["painting_index", "emotion"] if by_emotion else ["painting_index"]).index.to_numpy()
    items = split.select(rows).add_column("painting_index", codes[rows])
    if not by_emotion:
        dominant = dominant_emotion(histograms(codes, frame["emotion"].to_numpy(), len(painting_ids)))
        items = items.remove_columns("emotion").add_column("emotion", dominant[codes[rows]])
    return items, references
