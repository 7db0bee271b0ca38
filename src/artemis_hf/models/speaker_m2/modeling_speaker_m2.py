"""Meshed-memory transformer speaker (M2): a timm grid, a memory-augmented encoder, a meshed decoder.

    model = SpeakerM2ForConditionalGeneration(SpeakerM2Config(vocab_size=len(tokenizer)))
    loss = model(pixel_values, labels=labels).loss                  # teacher forcing, labels = <words> <eos>
    ids = model.generate(pixel_values)                              # beam 5, no repeated bigram, no <unk>, 30 words

The encoder runs once per image and returns every layer's output; each decoder layer attends to all of them (the
mesh), and gates weigh what each encoder layer contributes. `generate()` is transformers' own, with an
`EncoderDecoderCache`: the decoder's self-attention keys and values grow one step at a time, and each decoder layer's
cross-attention keys and values (for all encoder layers at once) are computed at the first step and then reused.
`image_features` can replace `pixel_values` (grids cached from a frozen backbone); `emotion_ids` ground a model with
`emotion_grounding` (the emotion joins every image feature before the encoder, as in ArtEmis's M2).
"""

import math
from dataclasses import dataclass

import timm
import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PreTrainedModel
from transformers import initialization as init
from transformers.cache_utils import DynamicCache, EncoderDecoderCache
from transformers.modeling_outputs import Seq2SeqLMOutput
from transformers.utils import ModelOutput

from .configuration_speaker_m2 import SpeakerM2Config

IGNORE_INDEX = -100  # label of padding positions


def split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """(B, S, D) -> (B, heads, S, D / heads)."""
    return x.view(*x.shape[:2], num_heads, -1).transpose(1, 2)


def merge_heads(x: torch.Tensor) -> torch.Tensor:
    """(..., heads, S, D / heads) -> (..., S, D)."""
    return x.transpose(-3, -2).flatten(-2)


def attend(queries, keys, values, mask=None, need_weights: bool = True) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Scaled dot-product attention; `mask` is True where a query may look. Returns (outputs, weights). Without
    `need_weights`, PyTorch's fused kernel, which never materialises the weights, and None for them."""
    if not need_weights:
        return F.scaled_dot_product_attention(queries, keys, values, attn_mask=mask), None
    scores = queries @ keys.transpose(-1, -2) / math.sqrt(queries.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)
    weights = scores.softmax(-1)
    return weights @ values, weights


def sinusoid_positions(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """(T,) -> (T, dim): the fixed sine and cosine encoding of "Attention is all you need", interleaved."""
    frequencies = 10_000 ** (-torch.arange(0, dim, 2, device=positions.device, dtype=torch.float32) / dim)
    angles = positions.float().unsqueeze(-1) * frequencies  # (T, dim / 2)
    return torch.stack([angles.sin(), angles.cos()], -1).flatten(-2)


class ResidualAttention(nn.Module):
    """Multi-head attention in a post-norm residual block, LayerNorm(queries + dropout(attention)), optionally with
    `memory_slots` learned keys and values after the projected ones: the memory that M2's encoder adds, which lets a
    cell attend to prior knowledge not in the image. Masks cover the real keys only: the memory is always seen."""

    def __init__(self, config: SpeakerM2Config, memory_slots: int = 0):
        super().__init__()
        self.num_heads = config.num_heads
        self.q_proj, self.k_proj, self.v_proj, self.o_proj = (
            nn.Linear(config.d_model, config.d_model) for _ in range(4)
        )
        self.memory_slots = memory_slots
        if memory_slots:  # initialised N(0, 1/d_k) and N(0, 1/m), scaled by sqrt(d_k) and sqrt(m) at use
            self.memory_keys = nn.Parameter(torch.empty(1, memory_slots, config.d_model))
            self.memory_values = nn.Parameter(torch.empty(1, memory_slots, config.d_model))
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(config.d_model)

    @property
    def head_dim(self) -> int:
        return self.q_proj.out_features // self.num_heads

    def project_keys_values(self, states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, S, D) -> keys and values (B, heads, S, d_k)."""
        return split_heads(self.k_proj(states), self.num_heads), split_heads(self.v_proj(states), self.num_heads)

    def forward(self, x: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask=None, need_weights=True):
        """x (B, T, D) queries; keys, values (B, heads, S, d_k) projected; mask (B or 1, 1, T or 1, S) of the real
        keys. Returns the block's output (B, T, D) and the attention weights (B, heads, T, S + memory_slots)."""
        if self.memory_slots:
            batch = x.shape[0]
            memory_keys = math.sqrt(self.head_dim) * self.memory_keys.expand(batch, -1, -1)
            memory_values = math.sqrt(self.memory_slots) * self.memory_values.expand(batch, -1, -1)
            keys = torch.cat([keys, split_heads(memory_keys, self.num_heads)], 2)  # (B, h, S + m, d_k)
            values = torch.cat([values, split_heads(memory_values, self.num_heads)], 2)
            if mask is not None:
                mask = F.pad(mask, (0, self.memory_slots), value=True)
        outputs, weights = attend(split_heads(self.q_proj(x), self.num_heads), keys, values, mask, need_weights)
        return self.layer_norm(x + self.dropout(self.o_proj(merge_heads(outputs)))), weights


class FeedForward(nn.Module):
    """Position-wise feed-forward in a post-norm residual block."""

    def __init__(self, config: SpeakerM2Config):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(config.d_model, config.d_ff), nn.Linear(config.d_ff, config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(config.d_model)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer_norm(x + self.dropout(self.fc2(self.dropout(F.relu(self.fc1(x))))))


class SpeakerM2EncoderLayer(nn.Module):
    def __init__(self, config: SpeakerM2Config):
        super().__init__()
        self.self_attn = ResidualAttention(config, memory_slots=config.memory_slots)
        self.feed_forward = FeedForward(config)

    def forward(self, x: torch.Tensor, mask=None, need_weights=True) -> tuple[torch.Tensor, torch.Tensor | None]:
        x, weights = self.self_attn(x, *self.self_attn.project_keys_values(x), mask, need_weights)
        return self.feed_forward(x), weights


@dataclass
class SpeakerM2EncoderOutput(ModelOutput):
    r"""
    last_hidden_state (`torch.FloatTensor` of shape `(batch, cells, d_model)`): the last encoder layer's output.
    layer_states (`torch.FloatTensor` of shape `(batch, encoder_layers, cells, d_model)`): every layer's output,
        which the meshed decoder reads.
    attention_mask (`torch.BoolTensor` of shape `(batch, cells)`, *optional*): the real cells (None: all are).
    attentions (`tuple(torch.FloatTensor)`, *optional*): per layer, `(batch, heads, cells, cells + memory_slots)`.
    """

    last_hidden_state: torch.FloatTensor | None = None
    layer_states: torch.FloatTensor | None = None
    attention_mask: torch.BoolTensor | None = None
    attentions: tuple[torch.FloatTensor, ...] | None = None


class SpeakerM2Encoder(nn.Module):
    """A timm backbone cut at `config.feature_layer` (`forward_features`: the flattened grid), the emotion joined to
    every cell when grounded, fc -> ReLU -> dropout -> LayerNorm, then memory-augmented self-attention layers."""

    main_input_name = "pixel_values"

    def __init__(self, config: SpeakerM2Config):
        super().__init__()
        self.config = config
        # Random weights here: a checkpoint brings trained ones, the training script may bring ImageNet ones.
        self.backbone = timm.create_model(
            config.backbone, pretrained=False, features_only=True, out_indices=(config.feature_layer,)
        )
        self.feature_dim = self.backbone.feature_info.channels()[-1]
        emotion_dim = 0
        if config.emotion_grounding:  # one-hot -> Linear, as ArtEmis's M2 (9 -> 10)
            self.emotion_projection = nn.Linear(config.num_labels, config.emotion_embedding_dim)
            emotion_dim = config.emotion_embedding_dim
        self.input_projection = nn.Linear(self.feature_dim + emotion_dim, config.d_model)
        self.dropout = nn.Dropout(config.dropout)
        self.layer_norm = nn.LayerNorm(config.d_model)
        self.layers = nn.ModuleList(SpeakerM2EncoderLayer(config) for _ in range(config.encoder_layers))

    def forward_features(self, pixel_values: torch.Tensor) -> torch.Tensor:
        grid = self.backbone(pixel_values)[-1]  # (B, E, H, W)
        return grid.flatten(2).transpose(1, 2)  # (B, P=H*W, E)

    def forward(
        self,
        pixel_values: torch.Tensor | None = None,
        emotion_ids: torch.LongTensor | None = None,
        image_features: torch.Tensor | None = None,
        image_index: torch.LongTensor | None = None,
        attention_mask: torch.Tensor | None = None,
        output_attentions: bool | None = None,
        **kwargs,  # generate()'s other flags, moot here
    ) -> SpeakerM2EncoderOutput:
        """`image_index` (B,): row i is encoded from image `image_index[i]`, so the backbone runs once per painting of
        a batch that holds several of its captions (the emotion and the layers still run per caption)."""
        if image_features is None:
            if pixel_values is None:
                raise ValueError("Pass pixel_values (the images) or image_features (their grids); got neither")
            image_features = self.forward_features(pixel_values)
        x = select_images(image_features, image_index)  # (B, P, E)
        if attention_mask is not None:  # of the images, like the features
            attention_mask = select_images(attention_mask, image_index)
        if self.config.emotion_grounding:
            check_emotion_ids(emotion_ids, x.shape[0], self.config)
            emotion = self.emotion_projection(F.one_hot(emotion_ids, self.config.num_labels).to(x.dtype))  # (B, K)
            x = torch.cat([x, emotion.unsqueeze(1).expand(-1, x.shape[1], -1)], -1)  # (B, P, E + K)
        x = self.layer_norm(self.dropout(F.relu(self.input_projection(x))))  # (B, P, D)
        mask = None if attention_mask is None else attention_mask.bool()[:, None, None, :]  # (B, 1, 1, P)
        states, attentions = [], []
        for layer in self.layers:
            x, weights = layer(x, mask, need_weights=bool(output_attentions))
            states.append(x)
            attentions.append(weights)
        return SpeakerM2EncoderOutput(
            last_hidden_state=x,
            layer_states=torch.stack(states, 1),  # (B, N, P, D)
            attention_mask=None if attention_mask is None else attention_mask.bool(),
            attentions=tuple(attentions) if output_attentions else None,
        )


# Copied from artemis_hf.models.speaker_sat.modeling_speaker_sat.select_images
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


# Copied from artemis_hf.models.speaker_sat.modeling_speaker_sat.check_emotion_ids
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


class MeshedCrossAttention(nn.Module):
    """One attention over each encoder layer's output (shared weights, as M2), each in its residual block; gates
    alpha_i = sigmoid(W_i [x; cross_i] + b_i) weigh them, and their sum is divided by sqrt(N)."""

    def __init__(self, config: SpeakerM2Config):
        super().__init__()
        self.attention = ResidualAttention(config)
        self.gates = nn.ModuleList(nn.Linear(2 * config.d_model, config.d_model) for _ in range(config.encoder_layers))

    def forward(self, x, keys, values, mask=None, need_weights=True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """x (B, T, D); keys, values (B, heads, N * P, d_k): every encoder layer's cells, layer after layer;
        mask (B, 1, 1, P) or None. Returns (B, T, D) and the weights (B, heads, T, N * P)."""
        num_layers = len(self.gates)
        batch, heads, _, head_dim = keys.shape
        keys = keys.view(batch, heads, num_layers, -1, head_dim).transpose(1, 2)  # (B, N, h, P, d_k)
        values = values.view(batch, heads, num_layers, -1, head_dim).transpose(1, 2)
        queries = split_heads(self.attention.q_proj(x), heads).unsqueeze(1)  # (B, 1, h, T, d_k)
        outputs, weights = attend(queries, keys, values, None if mask is None else mask.unsqueeze(1), need_weights)
        outputs = self.attention.o_proj(merge_heads(outputs))  # (B, N, T, D)
        cross = self.attention.layer_norm(x.unsqueeze(1) + self.attention.dropout(outputs))  # (B, N, T, D)
        meshed = sum(
            torch.sigmoid(gate(torch.cat([x, cross[:, i]], -1))) * cross[:, i] for i, gate in enumerate(self.gates)
        )
        if weights is not None:
            weights = weights.permute(0, 2, 3, 1, 4).flatten(-2)  # (B, N, h, T, P) -> (B, h, T, N * P)
        return meshed / math.sqrt(num_layers), weights


class SpeakerM2DecoderLayer(nn.Module):
    def __init__(self, config: SpeakerM2Config, layer_idx: int):
        super().__init__()
        self.layer_idx = layer_idx
        self.self_attn = ResidualAttention(config)
        self.cross_attn = MeshedCrossAttention(config)
        self.feed_forward = FeedForward(config)

    def forward(self, x, layer_states, encoder_mask=None, cache: EncoderDecoderCache | None = None, need_weights=True):
        """x (B, T, D) the new positions; layer_states (B, N, P, D). Returns (B, T, D) and the cross-attention weights
        (None without `need_weights`)."""
        keys, values = self.self_attn.project_keys_values(x)  # (B, h, T, d_k)
        past = 0
        if cache is not None:
            past = cache.self_attention_cache.get_seq_length(self.layer_idx)
            keys, values = cache.self_attention_cache.update(keys, values, self.layer_idx)
        steps = x.shape[1]
        causal = None
        if steps > 1:  # a step sees itself and what came before it
            causal = torch.ones(steps, past + steps, dtype=torch.bool, device=x.device).tril(past)
        x, _ = self.self_attn(x, keys, values, causal, need_weights=False)

        if cache is not None and cache.is_updated.get(self.layer_idx):
            layer = cache.cross_attention_cache.layers[self.layer_idx]
            cross_keys, cross_values = layer.keys, layer.values
        else:  # every encoder layer's cells, one after the other: (B, h, N * P, d_k)
            cross_keys, cross_values = self.cross_attn.attention.project_keys_values(layer_states.flatten(1, 2))
            if cache is not None:
                cache.cross_attention_cache.update(cross_keys, cross_values, self.layer_idx)
                cache.is_updated[self.layer_idx] = True
        x, cross_weights = self.cross_attn(x, cross_keys, cross_values, encoder_mask, need_weights)
        return self.feed_forward(x), cross_weights


class SpeakerM2Decoder(nn.Module):
    """Word embeddings plus sinusoidal positions, meshed decoder layers."""

    def __init__(self, config: SpeakerM2Config):
        super().__init__()
        self.embed_tokens = nn.Embedding(config.vocab_size, config.d_model, padding_idx=config.pad_token_id)
        self.layers = nn.ModuleList(SpeakerM2DecoderLayer(config, i) for i in range(config.decoder_layers))

    def forward(self, input_ids, encoder_outputs: SpeakerM2EncoderOutput, cache=None, need_weights=True):
        """input_ids (B, T) the tokens not yet fed -> hidden states (B, T, D), cross-attention weights per layer
        (with `need_weights`)."""
        past = 0 if cache is None else cache.get_seq_length()
        positions = torch.arange(past, past + input_ids.shape[1], device=input_ids.device)
        x = self.embed_tokens(input_ids) + sinusoid_positions(positions, self.embed_tokens.embedding_dim)
        mask = encoder_outputs.attention_mask
        mask = None if mask is None else mask[:, None, None, :]  # (B, 1, 1, P)
        weights = []
        for layer in self.layers:
            x, cross_weights = layer(x, encoder_outputs.layer_states, mask, cache, need_weights)
            weights.append(cross_weights)
        return x, tuple(weights)


@dataclass
class SpeakerM2Output(Seq2SeqLMOutput):
    r"""
    caption_loss_sums (`torch.FloatTensor` of shape `(batch,)`, with `labels`): each caption's summed token loss;
        `loss` is their sum over the sum of `caption_token_counts`.
    caption_token_counts (`torch.LongTensor` of shape `(batch,)`, with `labels`): each caption's number of tokens.
    cross_attentions: with `output_attentions`, per decoder layer `(batch, heads, steps, encoder_layers * cells)`:
        the attention of each step over each encoder layer's cells, layer after layer.
    """

    caption_loss_sums: torch.FloatTensor | None = None
    caption_token_counts: torch.LongTensor | None = None


class SpeakerM2ForConditionalGeneration(PreTrainedModel, GenerationMixin):
    """Image (and emotion) -> caption. `forward` teacher-forces a caption; `generate` writes one."""

    config_class = SpeakerM2Config
    main_input_name = "pixel_values"
    input_modalities = ("image", "text")

    def __init__(self, config: SpeakerM2Config):
        super().__init__(config)
        self.encoder = SpeakerM2Encoder(config)
        self.decoder = SpeakerM2Decoder(config)
        self.lm_head = nn.Linear(config.d_model, config.vocab_size, bias=False)
        self.post_init()
        # The reference decoding is the default; a checkpoint's generation_config.json overrides it.
        self.generation_config.update(num_beams=5, max_new_tokens=30, no_repeat_ngram_size=2)
        if config.unk_token_id is not None:
            self.generation_config.bad_words_ids = [[config.unk_token_id]]

    def _init_weights(self, module):
        # As the reference: Xavier-uniform projections with zero biases in the transformer, the memory slots
        # N(0, 1/d_k) and N(0, 1/m); timm initialises the backbone and PyTorch the rest.
        if isinstance(module, ResidualAttention):
            for projection in (module.q_proj, module.k_proj, module.v_proj, module.o_proj):
                init.xavier_uniform_(projection.weight)
                init.zeros_(projection.bias)
            if module.memory_slots:
                init.normal_(module.memory_keys, 0, 1 / module.head_dim)
                init.normal_(module.memory_values, 0, 1 / module.memory_slots)

    def get_encoder(self, modality=None):
        return self.encoder

    def get_input_embeddings(self):
        return self.decoder.embed_tokens

    @staticmethod
    def _reorder_cache(past_key_values: EncoderDecoderCache, beam_idx: torch.LongTensor) -> EncoderDecoderCache:
        # Beams move within their image's group, whose cross-attention keys and values are the same rows: only the
        # self-attention cache moves. (The stock reordering would also copy every layer's N * P cross keys and values,
        # at each step: most of the memory traffic of a beam step.)
        past_key_values.self_attention_cache.reorder_cache(beam_idx)
        return past_key_values

    def get_output_embeddings(self):
        return self.lm_head

    def forward(
        self,
        pixel_values: torch.FloatTensor | None = None,
        decoder_input_ids: torch.LongTensor | None = None,
        emotion_ids: torch.LongTensor | None = None,
        labels: torch.LongTensor | None = None,
        image_features: torch.FloatTensor | None = None,
        image_index: torch.LongTensor | None = None,
        encoder_outputs: SpeakerM2EncoderOutput | None = None,
        past_key_values: EncoderDecoderCache | None = None,
        use_cache: bool | None = None,
        output_attentions: bool | None = None,
        label_smoothing: float = 0.0,
        return_dict: bool | None = None,
        **kwargs,
    ) -> SpeakerM2Output:
        r"""
        pixel_values (`torch.FloatTensor` of shape `(images, 3, height, width)`): the images; or `image_features`, or
            `encoder_outputs`.
        decoder_input_ids (`torch.LongTensor` of shape `(batch, steps)`): caption so far, starting with `<sos>`;
            made from `labels` when omitted. With `past_key_values`, only the tokens not yet fed.
        emotion_ids (`torch.LongTensor` of shape `(batch,)`): indices into `config.id2label`; required when
            `config.emotion_grounding` and the encoder runs.
        labels (`torch.LongTensor` of shape `(batch, steps)`): `w1 .. wn <eos>`, -100 where padded. In training mode
            the vocabulary is then projected at the labelled positions only and `logits` is None.
        image_features (`torch.FloatTensor` of shape `(images, cells, channels)`): the backbone's grids, e.g. cached.
        image_index (`torch.LongTensor` of shape `(batch,)`): the image (row of `pixel_values` or `image_features`)
            each caption describes, when a batch holds several captions of a painting; by default one image each.
        encoder_outputs (`SpeakerM2EncoderOutput`): what `get_encoder()` returned, e.g. once for all beams.
        past_key_values (`EncoderDecoderCache`): the cache of earlier steps; made when `use_cache` and none is given.
        label_smoothing (`float`): spread this much of each token's target over the vocabulary in the loss.
        """
        if encoder_outputs is None:
            encoder_outputs = self.encoder(
                pixel_values, emotion_ids, image_features, image_index, output_attentions=output_attentions
            )
        if decoder_input_ids is None:
            if labels is None:
                raise ValueError(
                    "Pass decoder_input_ids (the caption so far) or labels (the caption to learn); got neither"
                )
            decoder_input_ids = labels.new_full(labels.shape, self.config.decoder_start_token_id)  # shift right
            decoder_input_ids[:, 1:] = labels[:, :-1].masked_fill(
                labels[:, :-1] == IGNORE_INDEX, self.config.pad_token_id
            )
        if use_cache and past_key_values is None:
            past_key_values = EncoderDecoderCache(DynamicCache(), DynamicCache())

        hidden, cross_attentions = self.decoder(
            decoder_input_ids, encoder_outputs, past_key_values if use_cache else None, bool(output_attentions)
        )
        kept = labels != IGNORE_INDEX if labels is not None else None
        if kept is not None and self.training:
            logits, token_logits = None, self.lm_head(hidden[kept])  # (N, V) for the N labelled tokens
        else:
            logits = self.lm_head(hidden)  # (B, T, V)
            token_logits = logits[kept] if kept is not None else None
        loss = loss_sums = counts = None
        if labels is not None:
            token_loss = F.cross_entropy(
                token_logits.float(), labels[kept], reduction="none", label_smoothing=label_smoothing
            )  # (N,)
            loss_sums = torch.zeros(labels.shape, dtype=token_loss.dtype, device=labels.device)
            loss_sums = loss_sums.masked_scatter(kept, token_loss).sum(1)  # (B,)
            counts = kept.sum(1)
            loss = loss_sums.sum() / counts.sum()
        return SpeakerM2Output(
            loss=loss,
            logits=logits,
            caption_loss_sums=loss_sums,
            caption_token_counts=counts,
            past_key_values=past_key_values if use_cache else None,
            cross_attentions=cross_attentions if output_attentions else None,
            encoder_last_hidden_state=encoder_outputs.last_hidden_state,
            encoder_attentions=encoder_outputs.attentions,
        )

    def compile_decoder(self, **compile_options) -> None:
        """`torch.compile` each decoder layer's attention and feed-forward blocks (`compile_options` are its own:
        backend, mode, dynamic...); the cache bookkeeping between them stays eager. Weights stay as they are."""
        for layer in self.decoder.layers:
            for block in (layer.self_attn, layer.cross_attn, layer.feed_forward):
                block.compile(**compile_options)

    @torch.no_grad()
    def caption_attention(self, encoder_outputs, decoder_input_ids, emotion_ids=None) -> torch.Tensor:
        """(B, T, P): where each step looked in the grid, averaged over heads, encoder layers and decoder layers:
        what `pipeline("artemis-captioning", return_attention=True)` draws. (`emotion_ids` are already in
        `encoder_outputs`: M2 grounds its encoder.)"""
        read = self(encoder_outputs=encoder_outputs, decoder_input_ids=decoder_input_ids, output_attentions=True)
        weights = torch.stack(read.cross_attentions)  # (L, B, h, T, N * P)
        return weights.mean((0, 2)).unflatten(-1, (self.config.encoder_layers, -1)).mean(-2)
