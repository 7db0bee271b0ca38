"""Nearest-neighbour speaker: copy what was said about the most similar training painting.

    model.set_memory(model.embed(train_pixel_values), utterances, utterance_paintings, utterance_emotions)
    out = model(pixel_values, emotion_ids=torch.tensor([7]))         # nearest painting with a "sadness" utterance
    model.utterances(out.utterance_ids)                               # [["the black waves make me feel lonely"]]

The memory is buffers, so it lives in model.safetensors with the backbone: painting embeddings, the index of each
painting's first utterance per emotion, and the texts as one UTF-8 byte string with offsets (as Arrow stores strings).
"""

from dataclasses import dataclass

import timm
import torch
import torch.nn.functional as F
from transformers import PreTrainedModel
from transformers.utils import ModelOutput

from .configuration_speaker_nn import SpeakerNNConfig


@dataclass
class SpeakerNNOutput(ModelOutput):
    """utterance_ids (B, k): chosen utterances, best first; similarities (B, k): cosine similarity of the image to
    their paintings; image_embeds (B, C): the normalised image embeddings."""

    utterance_ids: torch.LongTensor | None = None
    similarities: torch.FloatTensor | None = None
    image_embeds: torch.FloatTensor | None = None


class SpeakerNNModel(PreTrainedModel):
    """Image (and emotion) -> the nearest stored paintings' utterances. Retrieves; `can_generate()` is False."""

    config_class = SpeakerNNConfig
    main_input_name = "pixel_values"
    input_modalities = ("image",)

    def __init__(self, config: SpeakerNNConfig):
        super().__init__(config)
        self.backbone = timm.create_model(config.backbone, pretrained=False, num_classes=0)  # pooled: (B, C)
        self._allocate(config.num_paintings, config.num_utterances, config.num_utterance_bytes)
        self.post_init()

    def _allocate(self, num_paintings: int, num_utterances: int, num_bytes: int) -> None:
        self.register_buffer("painting_embeddings", torch.zeros(num_paintings, self.backbone.num_features))
        # [n, e]: first utterance of painting n felt as emotion e, -1 if none; the last column: its first utterance
        self.register_buffer(
            "first_utterance", torch.full((num_paintings, self.config.num_labels + 1), -1, dtype=torch.long)
        )
        self.register_buffer("utterance_bytes", torch.zeros(num_bytes, dtype=torch.uint8))
        self.register_buffer("utterance_offsets", torch.zeros(num_utterances + 1, dtype=torch.long))

    def _init_weights(self, module):
        pass  # timm initialises the backbone; the memory comes from set_memory or the checkpoint

    def embed(self, pixel_values: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.backbone(pixel_values), dim=-1)  # (B, C)

    @torch.no_grad()
    def set_memory(self, painting_embeddings, utterances: list[str], utterance_paintings, utterance_emotions) -> None:
        """Store the training set: one embedding per painting (N, C), and for each utterance its text, the index of
        its painting (0..N-1) and its emotion (index into `config.id2label`)."""
        paintings, emotions = torch.as_tensor(utterance_paintings), torch.as_tensor(utterance_emotions)
        if not len(utterances) == len(paintings) == len(emotions):
            raise ValueError(
                f"utterances ({len(utterances)}), utterance_paintings ({len(paintings)}) and utterance_emotions ({len(emotions)}) must have one entry per utterance"
            )
        encoded = [text.encode("utf-8") for text in utterances]
        self.config.num_paintings, self.config.num_utterances = len(painting_embeddings), len(utterances)
        self.config.num_utterance_bytes = sum(map(len, encoded))
        self._allocate(self.config.num_paintings, self.config.num_utterances, self.config.num_utterance_bytes)
        self.painting_embeddings.copy_(F.normalize(torch.as_tensor(painting_embeddings, dtype=torch.float32), dim=-1))
        self.utterance_bytes.copy_(torch.frombuffer(bytearray(b"".join(encoded)), dtype=torch.uint8))
        self.utterance_offsets[1:] = torch.tensor([len(text) for text in encoded]).cumsum(0)
        # The smallest utterance index per (painting, emotion) cell and per painting; len(utterances) where none.
        width, none = self.config.num_labels + 1, len(utterances)
        first = torch.full((len(painting_embeddings) * width,), none)
        index = torch.arange(none)
        first.scatter_reduce_(0, paintings * width + emotions, index, "amin")
        first.scatter_reduce_(0, paintings * width + width - 1, index, "amin")
        self.first_utterance.copy_(first.masked_fill(first == none, -1).view(-1, width))

    def forward(
        self, pixel_values: torch.Tensor, emotion_ids: torch.LongTensor | None = None, num_neighbours: int = 1
    ) -> SpeakerNNOutput:
        r"""
        pixel_values (`(batch, 3, height, width)`): the images.
        emotion_ids (`(batch,)`, *optional*): only paintings with an utterance of that emotion qualify (all do for an
            image whose emotion no stored painting has).
        num_neighbours (`int`): how many paintings to take, nearest first; one utterance each.
        """
        if not 1 <= num_neighbours <= self.config.num_paintings:
            raise ValueError(
                f"num_neighbours must be between 1 and the {self.config.num_paintings} stored paintings, got {num_neighbours}"
            )
        image_embeds = self.embed(pixel_values)
        similarity = image_embeds @ self.painting_embeddings.T  # (B, N)
        candidates = self.first_utterance[:, -1].expand(len(similarity), -1)  # (B, N)
        if emotion_ids is not None:
            matching = self.first_utterance[:, emotion_ids].T  # (B, N)
            usable = (matching >= 0).sum(1, keepdim=True) >= num_neighbours
            candidates = torch.where(usable, matching, candidates)
            similarity = similarity.masked_fill(candidates < 0, float("-inf"))
        similarities, neighbours = similarity.topk(num_neighbours, dim=1)  # (B, k)
        return SpeakerNNOutput(
            utterance_ids=candidates.gather(1, neighbours), similarities=similarities, image_embeds=image_embeds
        )

    def utterances(self, utterance_ids: torch.Tensor) -> list[list[str]]:
        """The texts of `utterance_ids` (B, k), as B lists of k strings."""
        offsets, data = self.utterance_offsets.cpu(), self.utterance_bytes.cpu().numpy()
        flat = utterance_ids.cpu().reshape(-1)
        texts = [
            data[start:end].tobytes().decode("utf-8")
            for start, end in zip(offsets[flat].tolist(), offsets[flat + 1].tolist())
        ]
        k = utterance_ids.shape[1]
        return [texts[row * k : (row + 1) * k] for row in range(len(utterance_ids))]
