"""Show, Attend and Tell speaker: a timm grid of image features, additive attention over it, an LSTM that writes.

    model = SpeakerSATForConditionalGeneration(SpeakerSATConfig(vocab_size=len(tokenizer)))
    loss = model(pixel_values, labels=labels).loss                  # teacher forcing, labels = <words> <eos>
    ids = model.generate(pixel_values)                              # beam 5, no repeated bigram, no <unk>, 30 words

`generate()` is transformers' own. The model is an encoder-decoder: the backbone runs once per image (`get_encoder()`),
then the LSTM is fed one token per step and carries `past_key_values = (h, c, keys)`: its state and the grid projected
for attention, so a step costs one LSTM cell, never a pass over the caption so far. `image_features` can replace
`pixel_values` (grids cached from a frozen backbone); `image_index` lets a batch hold several captions of a painting
whose image is encoded once; `emotion_ids` ground a model with `emotion_grounding`.
"""

from dataclasses import dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.modeling_outputs import BaseModelOutput, Seq2SeqLMOutput

from .configuration_speaker_sat import SpeakerSATConfig

IGNORE_INDEX = -100  # label of padding positions


class SpeakerSATEncoder(nn.Module):
    """A timm backbone cut at `config.feature_layer`; its feature map, flattened, is the grid the decoder attends to."""

    main_input_name = "pixel_values"

    def __init__(self, config: SpeakerSATConfig):
        super().__init__()
        # Random weights here: a checkpoint brings trained ones, the training script may bring ImageNet ones.
        self.backbone = timm.create_model(
            config.backbone, pretrained=False, features_only=True, out_indices=(config.feature_layer,)
        )
        self.hidden_size = self.backbone.feature_info.channels()[-1]

    def forward_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        grid = self.backbone(pixel_values)[-1]  # (B, E, H, W)
        return grid.flatten(2).transpose(1, 2)  # (B, P=H*W, E)

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        image_features: torch.Tensor | None = None,
        image_index: torch.LongTensor | None = None,
        **kwargs,  # generate()'s flags, moot here
    ) -> BaseModelOutput:
        """The grid of each image (B, P, E), from `pixel_values` or given as `image_features` (cached); with
        `image_index` (B,), row i is the grid of image `image_index[i]`: a painting is encoded once for all its
        captions."""
        if image_features is None:
            if pixel_values is None:
                raise ValueError("Pass pixel_values (the images) or image_features (their grids); got neither")
            image_features = self.forward_features(pixel_values)
        return BaseModelOutput(last_hidden_state=select_images(image_features, image_index))


def select_images(image_features: torch.Tensor, image_index: torch.LongTensor | None) -> torch.Tensor:
    """Row i of the result is the grid of image `image_index[i]` (all rows when None): (G, P, E) -> (B, P, E)."""
    if image_index is None:
        return image_features
    if image_index.ndim != 1 or image_index.min() < 0 or image_index.max() >= len(image_features):
        raise ValueError(
            f"image_index must be a (batch,) LongTensor of rows of the {len(image_features)} images, got shape "
            f"{tuple(image_index.shape)} and values {image_index.tolist()}"
        )
    return image_features[image_index]


class AdditiveAttention(nn.Module):
    """One weight per grid cell from score(relu(key(cell) + query(h))), as Bahdanau et al. and Show-Attend-Tell."""

    def __init__(self, encoder_dim: int, decoder_dim: int, attention_dim: int):
        super().__init__()
        self.key = nn.Linear(encoder_dim, attention_dim)
        self.query = nn.Linear(decoder_dim, attention_dim)
        self.score = nn.Linear(attention_dim, 1, bias=False)  # a bias would shift all scores alike: softmax ignores it

    def forward(self, keys: torch.Tensor, grid: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # keys = self.key(grid): (B, P, A), computed once per image; grid: (B, P, E); h: (B, D)
        # In place: (B, P, A) is the largest tensor of a step, and a second one costs more than the arithmetic.
        alpha = self.score(F.relu(keys + self.query(h).unsqueeze(1), inplace=True)).squeeze(-1).softmax(-1)  # (B, P)
        context = torch.bmm(alpha.unsqueeze(1), grid).squeeze(1)  # (B, E)
        return context, alpha


class SpeakerSATDecoder(nn.Module):
    """At each step: attend to the grid from the previous state, gate the context, and feed
    [word embedding, context, emotion] to an LSTM cell."""

    def __init__(self, config: SpeakerSATConfig, encoder_dim: int):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.word_embedding_dim, padding_idx=config.pad_token_id)
        self.num_emotions = config.num_labels
        self.emotion_projection = (
            nn.Sequential(nn.Linear(config.num_labels, config.emotion_embedding_dim), nn.ReLU())
            if config.emotion_grounding
            else None
        )
        emotion_dim = config.emotion_embedding_dim if config.emotion_grounding else 0
        self.attention = AdditiveAttention(encoder_dim, config.decoder_dim, config.attention_dim)
        self.init_h = nn.Linear(encoder_dim, config.decoder_dim)
        self.init_c = nn.Linear(encoder_dim, config.decoder_dim)
        self.gate = nn.Linear(config.decoder_dim, encoder_dim)  # lets the state decide how much image a word needs
        self.lstm = nn.LSTMCell(config.word_embedding_dim + encoder_dim + emotion_dim, config.decoder_dim)

    def forward(self, input_ids, grid, emotion_ids=None, state=None):
        """input_ids (B, T) -> LSTM outputs (B, T, D), attention weights (B, T, P), state after the last step."""
        if state is None:  # the state starts from the mean image feature; the grid's keys are projected once
            mean = grid.mean(1)  # (B, E)
            state = (self.init_h(mean), self.init_c(mean), self.attention.key(grid))
        h, c, keys = state
        words = self.embed_tokens(input_ids)  # (B, T, W)
        emotion = None
        if self.emotion_projection is not None:  # one-hot -> Linear + ReLU, joined to the input of every step
            emotion = self.emotion_projection(F.one_hot(emotion_ids, self.num_emotions).to(words.dtype))  # (B, K)
        outputs, alphas = [], []
        for t in range(input_ids.shape[1]):
            h, c, alpha = self.step(words[:, t], emotion, keys, grid, h, c)
            outputs.append(h)
            alphas.append(alpha)
        return torch.stack(outputs, 1), torch.stack(alphas, 1), (h, c, keys)

    def step(self, word, emotion, keys, grid, h, c):
        """One word: word (B, W), emotion (B, K) or None, keys (B, P, A), grid (B, P, E), state h, c (B, D) ->
        h, c, alpha (B, P). A dozen small kernels: what `compile_decoder()` fuses."""
        context, alpha = self.attention(keys, grid, h)
        context = torch.sigmoid(self.gate(h)) * context
        inputs = [word, context] if emotion is None else [word, context, emotion]
        h, c = self.lstm(torch.cat(inputs, dim=-1), (h, c))
        return h, c, alpha


def check_emotion_ids(emotion_ids, batch_size: int, config) -> None:
    if emotion_ids is None:
        raise ValueError(
            f"This speaker is emotion-grounded (config.emotion_grounding=True): pass emotion_ids, a LongTensor of "
            f"shape ({batch_size},) indexing {list(config.id2label.values())}"
        )
    if emotion_ids.shape != (batch_size,) or emotion_ids.min() < 0 or emotion_ids.max() >= config.num_labels:
        raise ValueError(
            f"emotion_ids must have shape ({batch_size},) and values in [0, {config.num_labels}), got shape "
            f"{tuple(emotion_ids.shape)} and values {emotion_ids.tolist()}"
        )


def caption_losses(token_logits, labels, attention, attention_loss_weight: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Per caption (B,): summed token cross-entropy plus the doubly-stochastic attention penalty, and its token count.

    `token_logits` (N, V) are the logits of the N positions that `labels` (B, T) keep, in row-major order
    (`logits[labels != -100]`). The penalty, mean over cells of (1 - attention the cell got over the caption)^2,
    counts once per token of its caption: sum / count over any set of captions is then the mean token loss plus the
    weighted, token-weighted mean penalty, whatever batches or processes the set is split into.
    """
    mask = labels != IGNORE_INDEX  # (B, T)
    token_loss = F.cross_entropy(token_logits.float(), labels[mask], reduction="none")  # (N,)
    token_sums = (
        torch.zeros(labels.shape, dtype=token_loss.dtype, device=labels.device).masked_scatter(mask, token_loss).sum(1)
    )
    counts = mask.sum(1)
    coverage = (attention.float() * mask.unsqueeze(-1)).sum(1)  # (B, P)
    penalty = ((1 - coverage) ** 2).mean(-1)  # (B,)
    return token_sums + attention_loss_weight * penalty * counts, counts


def shift_right(labels: torch.Tensor, start_token_id: int, pad_token_id: int) -> torch.Tensor:
    """Teacher-forcing inputs from labels: `<sos> w1 .. wn` for `w1 .. wn <eos>`, padding ids where labels ignore."""
    inputs = labels.new_full(labels.shape, start_token_id)
    inputs[:, 1:] = labels[:, :-1]
    return inputs.masked_fill(inputs == IGNORE_INDEX, pad_token_id)


@dataclass
class SpeakerSATOutput(Seq2SeqLMOutput):
    r"""
    caption_loss_sums (`torch.FloatTensor` of shape `(batch,)`, with `labels`): each caption's summed token loss plus
        its attention penalty (see `caption_losses`); `loss` is their sum over the sum of `caption_token_counts`.
    caption_token_counts (`torch.LongTensor` of shape `(batch,)`, with `labels`): each caption's number of tokens.
    """

    caption_loss_sums: torch.FloatTensor | None = None
    caption_token_counts: torch.LongTensor | None = None


class SpeakerSATForConditionalGeneration(PreTrainedModel, GenerationMixin):
    """Image (and emotion) -> caption. `forward` teacher-forces a caption; `generate` writes one."""

    config_class = SpeakerSATConfig
    main_input_name = "pixel_values"
    input_modalities = ("image", "text")

    def __init__(self, config: SpeakerSATConfig):
        super().__init__(config)
        self.encoder = SpeakerSATEncoder(config)
        self.decoder = SpeakerSATDecoder(config, self.encoder.hidden_size)
        self.dropout = nn.Dropout(config.dropout)
        self.lm_head = nn.Linear(config.decoder_dim, config.vocab_size)
        self.post_init()
        # The reference decoding is the default; a checkpoint's generation_config.json overrides it.
        self.generation_config.update(num_beams=5, max_new_tokens=30, no_repeat_ngram_size=2)
        if config.unk_token_id is not None:
            self.generation_config.bad_words_ids = [[config.unk_token_id]]

    def _init_weights(self, module):
        # timm initialises the backbone and PyTorch the other layers, but for the word embeddings and the output
        # layer, which start uniform in [-0.1, 0.1] as in Show-Attend-Tell.
        if module is self.decoder.embed_tokens or module is self.lm_head:
            init.uniform_(module.weight, -0.1, 0.1)
        if module is self.lm_head:
            init.zeros_(module.bias)

    def get_encoder(self, modality=None):
        return self.encoder

    def get_input_embeddings(self):
        return self.decoder.embed_tokens

    def get_output_embeddings(self):
        return self.lm_head

    @classmethod
    def _supports_default_dynamic_cache(cls) -> bool:
        return False  # the cache is the LSTM state, not keys and values per layer

    @staticmethod
    def _reorder_cache(past_key_values, beam_idx):
        h, c, keys = past_key_values
        # Beams move within their image's group, whose rows of projected grid are identical: only the state moves.
        return h.index_select(0, beam_idx), c.index_select(0, beam_idx), keys

    def forward(
        self,
        pixel_values: torch.FloatTensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        emotion_ids: torch.LongTensor | None = None,
        labels: torch.LongTensor | None = None,
        image_features: torch.FloatTensor | None = None,
        image_index: torch.LongTensor | None = None,
        encoder_outputs: BaseModelOutput | tuple | None = None,
        past_key_values: tuple | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        return_dict: bool | None = None,
        **kwargs,
    ) -> SpeakerSATOutput:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(images, 3, height, width)`): the images; or `image_features`, or
            `encoder_outputs`.
        decoder_input_ids (`torch.LongTensor` of shape `(batch, steps)`): caption so far, starting with `<sos>`;
            made from `labels` when omitted. With `past_key_values`, only the tokens not yet fed.
        emotion_ids (`torch.LongTensor` of shape `(batch,)`): indices into `config.id2label`; required when
            `config.emotion_grounding`.
        labels (`torch.LongTensor` of shape `(batch, steps)`): `w1 .. wn <eos>`, -100 where padded. In training mode
            the vocabulary is then projected at the labelled positions only and `logits` is None (as Liger's fused
            loss does): a padded batch of ArtEmis captions is about 40% padding, and the projection onto 14k words is
            the decoder's largest cost. In eval mode `logits` come back whole.
        image_features (`torch.FloatTensor` of shape `(images, cells, channels)`): the backbone's grids, e.g. cached.
        image_index (`torch.LongTensor` of shape `(batch,)`): the image (row of `pixel_values` or `image_features`)
            each caption describes, when a batch holds several captions of a painting; by default one image each.
        encoder_outputs: the grids `(batch, cells, channels)` as `get_encoder()` returns them (e.g. once for all beams).
        past_key_values: `(h, c, keys)` returned by the previous call with `use_cache=True`.
        output_attentions: return the attention over the grid cells of each step as `cross_attentions`:
            one tensor `(batch, 1, steps, cells)`.
        """
        if encoder_outputs is None:
            encoder_outputs = self.encoder(pixel_values, image_features, image_index)
        grid = encoder_outputs[0]  # (B, P, E)
        if self.config.emotion_grounding and past_key_values is None:
            check_emotion_ids(emotion_ids, grid.shape[0], self.config)
        if decoder_input_ids is None:
            if labels is None:
                raise ValueError(
                    "Pass decoder_input_ids (the caption so far) or labels (the caption to learn); got neither"
                )
            decoder_input_ids = shift_right(labels, self.config.decoder_start_token_id, self.config.pad_token_id)

        hidden, attention, state = self.decoder(decoder_input_ids, grid, emotion_ids, past_key_values)  # (B, T, D)
        kept = labels != IGNORE_INDEX if labels is not None else None
        if kept is not None and self.training:
            logits, token_logits = None, self.lm_head(self.dropout(hidden[kept]))  # (N, V) for the N labelled tokens
        else:
            logits = self.lm_head(self.dropout(hidden))  # (B, T, V)
            token_logits = logits[kept] if kept is not None else None
        loss = loss_sums = counts = None
        if labels is not None:
            loss_sums, counts = caption_losses(token_logits, labels, attention, self.config.attention_loss_weight)
            loss = loss_sums.sum() / counts.sum()
        return SpeakerSATOutput(
            loss=loss,
            logits=logits,
            caption_loss_sums=loss_sums,
            caption_token_counts=counts,
            past_key_values=state if use_cache else None,
            cross_attentions=(attention.unsqueeze(1),) if output_attentions else None,
            encoder_last_hidden_state=grid,
        )

    def compile_decoder(self, **compile_options) -> None:
        """`torch.compile` the per-word step (`compile_options` are its own: backend, mode, dynamic...). On a GPU a
        step is a dozen small kernels, so an uncompiled decoder waits on kernel launches; weights stay as they are."""
        self.decoder.step = torch.compile(self.decoder.step, **compile_options)

    @torch.no_grad()
    def caption_attention(self, encoder_outputs, decoder_input_ids, emotion_ids=None) -> torch.Tensor:
        """(B, T, P): where each step looked in the grid: what `pipeline("artemis-captioning",
        return_attention=True)` draws."""
        read = self(
            encoder_outputs=encoder_outputs,
            decoder_input_ids=decoder_input_ids,
            emotion_ids=emotion_ids,
            output_attentions=True,
        )
        return read.cross_attentions[0][:, 0]
