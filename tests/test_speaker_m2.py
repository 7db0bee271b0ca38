"""The meshed-memory transformer speaker with tiny random configs: shapes and losses, its attention written out by
hand (memory slots, padding, the mesh), generate() with and without the cache, save/load, clear errors."""

import math

import pytest
import torch
from speaker_fixtures import check_compiled_decoder, check_grouped_captions
from transformers import AutoConfig, AutoModelForImageTextToText
from transformers.cache_utils import EncoderDecoderCache

from artemis_hf.models.speaker_m2 import SpeakerM2Config, SpeakerM2ForConditionalGeneration
from artemis_hf.models.speaker_m2.modeling_speaker_m2 import MeshedCrossAttention, ResidualAttention

VOCAB, UNK = 17, 3

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")


def tiny_config(**overrides):
    # test_resnet cut at its stride-8 stage: a 4 x 4 grid of 48 channels for 32 px images
    settings = dict(
        vocab_size=VOCAB,
        backbone="test_resnet",
        feature_layer=2,
        d_model=32,
        encoder_layers=2,
        decoder_layers=2,
        num_heads=4,
        d_ff=64,
        memory_slots=5,
        dropout=0.0,
    )
    return SpeakerM2Config(**{**settings, **overrides})


def tiny_speaker(seed=0, **overrides):
    torch.manual_seed(seed)
    return SpeakerM2ForConditionalGeneration(tiny_config(**overrides)).eval()


def test_a_painting_encoded_once_gives_each_of_its_captions_the_loss_of_a_repeated_image(images, emotion_ids):
    check_grouped_captions(tiny_speaker(emotion_grounding=True), images, emotion_ids)
    check_grouped_captions(tiny_speaker(), images, emotion_ids)


def test_the_compiled_decoder_gives_the_eager_logits_and_beams(images, emotion_ids):
    check_compiled_decoder(tiny_speaker(emotion_grounding=True), images, emotion_ids)


def test_forward_shapes_and_loss(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)
    labels = torch.tensor([[5, 6, 7, 2], [8, 9, 2, -100], [10, 2, -100, -100]])
    out = model(images, labels=labels, emotion_ids=emotion_ids, output_attentions=True)
    assert out.logits.shape == (3, 4, VOCAB)
    assert out.caption_token_counts.tolist() == [4, 3, 2]
    assert torch.allclose(out.loss, out.caption_loss_sums.sum() / 9)
    kept = labels != -100
    expected = torch.nn.functional.cross_entropy(out.logits[kept], labels[kept])
    assert torch.allclose(out.loss, expected, atol=1e-6)
    # Per decoder layer: (batch, heads, steps, encoder layers * cells); each layer's weights sum to one per step.
    assert [tuple(a.shape) for a in out.cross_attentions] == [(3, 4, 4, 2 * 16)] * 2
    assert torch.allclose(out.cross_attentions[0].unflatten(-1, (2, 16)).sum(-1), torch.ones(3, 4, 4, 2))
    assert out.encoder_attentions[0].shape == (3, 4, 16, 16 + 5)  # the cells and the memory slots
    model.train().encoder.backbone.eval()  # batch norm on batch statistics would change the loss
    trained = model(images, labels=labels, emotion_ids=emotion_ids)
    assert trained.logits is None and torch.allclose(trained.loss, out.loss, atol=1e-6)  # dropout 0
    smoothed = model(images, labels=labels, emotion_ids=emotion_ids, label_smoothing=0.1)
    log_probs = out.logits[kept].log_softmax(-1)
    uniform_target = -log_probs.mean(-1).mean()
    assert torch.allclose(smoothed.loss, 0.9 * expected + 0.1 * uniform_target, atol=1e-5)


def test_memory_free_attention_equals_scaled_dot_product_attention():
    torch.manual_seed(1)
    block = ResidualAttention(tiny_config(), memory_slots=0).eval()
    x = torch.randn(2, 6, 32)
    out, weights = block(x, *block.project_keys_values(x))
    q, k, v = (p(x).view(2, 6, 4, 8).transpose(1, 2) for p in (block.q_proj, block.k_proj, block.v_proj))
    expected = torch.nn.functional.scaled_dot_product_attention(q, k, v)  # (B, h, T, d_k)
    expected = block.layer_norm(x + block.o_proj(expected.transpose(1, 2).reshape(2, 6, 32)))
    assert torch.allclose(out, expected, atol=1e-5)
    assert torch.allclose(weights, (q @ k.transpose(-1, -2) / math.sqrt(8)).softmax(-1), atol=1e-6)


def test_the_fused_attention_without_weights_gives_what_the_weighted_one_gives(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)
    labels = torch.randint(4, VOCAB, (3, 7), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        fused = model(images, labels=labels, emotion_ids=emotion_ids)
        weighted = model(images, labels=labels, emotion_ids=emotion_ids, output_attentions=True)
    torch.testing.assert_close(fused.logits, weighted.logits, rtol=1e-5, atol=1e-5)
    assert fused.cross_attentions is None and fused.encoder_attentions is None
    assert len(weighted.cross_attentions) == 2 and weighted.cross_attentions[0].shape == (3, 4, 7, 2 * 16)


def test_padding_never_hides_the_memory_slots():
    model = tiny_speaker()
    block = model.encoder.layers[0].self_attn
    x = torch.randn(2, 6, 32)
    mask = torch.tensor([[True] * 4 + [False] * 2, [False] * 6])[:, None, None, :]
    _, weights = block(x, *block.project_keys_values(x), mask)  # (B, h, T, 6 + 5)
    assert weights.shape == (2, 4, 6, 11)
    assert torch.all(weights[0, :, :, 4:6] == 0) and torch.all(weights[0, :, :, 6:] > 0)
    # All cells hidden: the memory slots take all the attention.
    assert torch.all(weights[1, :, :, :6] == 0)
    assert torch.allclose(weights[1, :, :, 6:].sum(-1), torch.ones(4, 6))
    # The encoder takes the mask as attention_mask, and the decoder then ignores the hidden cells.
    features = torch.randn(2, 6, 48)
    encoded = model.encoder(image_features=features, attention_mask=mask[:, 0, 0], output_attentions=True)
    read = model(encoder_outputs=encoded, decoder_input_ids=torch.ones(2, 3, dtype=torch.long), output_attentions=True)
    assert torch.all(read.cross_attentions[0].unflatten(-1, (2, 6))[0, ..., 4:] == 0)


def test_one_encoder_layer_mesh_equals_its_gated_cross_attention():
    torch.manual_seed(2)
    config = tiny_config(encoder_layers=1)
    mesh = MeshedCrossAttention(config).eval()
    x, states = torch.randn(2, 3, 32), torch.randn(2, 7, 32)
    out, weights = mesh(x, *mesh.attention.project_keys_values(states))
    cross, expected_weights = mesh.attention(x, *mesh.attention.project_keys_values(states))
    gate = torch.sigmoid(mesh.gates[0](torch.cat([x, cross], -1)))
    assert torch.allclose(out, gate * cross / math.sqrt(1), atol=1e-6)
    assert torch.allclose(weights, expected_weights, atol=1e-6)


def test_two_encoder_layers_mesh_is_the_sum_of_gated_cross_attentions_over_sqrt_n():
    torch.manual_seed(3)
    mesh = MeshedCrossAttention(tiny_config()).eval()
    x, states = torch.randn(2, 3, 32), torch.randn(2, 2, 7, 32)  # (B, N, P, D)
    out, _ = mesh(x, *mesh.attention.project_keys_values(states.flatten(1, 2)))
    expected = 0
    for i in range(2):
        cross, _ = mesh.attention(x, *mesh.attention.project_keys_values(states[:, i]))
        expected = expected + torch.sigmoid(mesh.gates[i](torch.cat([x, cross], -1))) * cross
    assert torch.allclose(out, expected / math.sqrt(2), atol=1e-5)


@pytest.mark.parametrize(
    "options",
    [
        {"num_beams": 1, "do_sample": False},
        {"num_beams": 3},
        {"num_beams": 3, "num_return_sequences": 3},
        {"do_sample": True, "top_k": 0, "num_return_sequences": 2},
        {"num_beams": 3, "no_repeat_ngram_size": 1, "bad_words_ids": [[UNK], [5]]},
    ],
)
def test_generate_with_the_cache_equals_generate_without(images, emotion_ids, options):
    model = tiny_speaker(seed=4, emotion_grounding=True)
    torch.manual_seed(0)
    cached = model.generate(images, emotion_ids=emotion_ids, max_new_tokens=8, **options)
    torch.manual_seed(0)
    uncached = model.generate(images, emotion_ids=emotion_ids, max_new_tokens=8, use_cache=False, **options)
    assert torch.equal(cached, uncached)
    if "bad_words_ids" in options:
        assert not torch.isin(cached, torch.tensor([UNK, 5])).any()


def test_greedy_generate_equals_a_manual_argmax_loop_and_the_cache_grows_one_step_at_a_time(images):
    model = tiny_speaker(seed=5)
    generated = model.generate(images, num_beams=1, no_repeat_ngram_size=0, bad_words_ids=None, max_new_tokens=6)
    encoded = model.get_encoder()(images)
    ids, cache = torch.full((3, 1), model.config.bos_token_id), None
    for step in range(6):
        out = model(encoder_outputs=encoded, decoder_input_ids=ids[:, -1:], past_key_values=cache, use_cache=True)
        cache = out.past_key_values
        assert isinstance(cache, EncoderDecoderCache) and cache.get_seq_length() == step + 1
        ids = torch.cat([ids, out.logits[:, -1].argmax(-1, keepdim=True)], 1)
    finished = (ids == model.config.eos_token_id).cumsum(1).roll(1, 1).clamp(max=1).bool()
    finished[:, 0] = False
    assert torch.equal(generated, ids[:, : generated.shape[1]].masked_fill(finished[:, : generated.shape[1]], 0))
    # The cross-attention keys: one per decoder layer, every encoder layer's 16 cells, computed at the first step.
    assert cache.cross_attention_cache.layers[0].keys.shape == (3, 4, 2 * 16, 8)


def test_reference_decoding_is_the_default_and_image_features_generate_what_pixels_do(images):
    model = tiny_speaker(seed=6)
    assert model.generation_config.num_beams == 5 and model.generation_config.no_repeat_ngram_size == 2
    assert model.generation_config.bad_words_ids == [[UNK]]
    from_features = model.generate(image_features=model.encoder.forward_features(images), max_new_tokens=8)
    assert torch.equal(from_features, model.generate(images, max_new_tokens=8))


def test_save_and_load_give_identical_generations(tmp_path, images, emotion_ids):
    model = tiny_speaker(seed=7, emotion_grounding=True)
    model.save_pretrained(tmp_path)
    assert {"model.safetensors", "modeling_speaker_m2.py", "configuration_speaker_m2.py"} <= {
        p.name for p in tmp_path.iterdir()
    }
    assert isinstance(AutoConfig.from_pretrained(tmp_path), SpeakerM2Config)
    loaded = AutoModelForImageTextToText.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, SpeakerM2ForConditionalGeneration)
    assert torch.equal(
        loaded.generate(images, emotion_ids=emotion_ids), model.generate(images, emotion_ids=emotion_ids)
    )


def test_clear_errors_name_the_argument(images):
    grounded = tiny_speaker(emotion_grounding=True)
    with pytest.raises(ValueError, match="emotion-grounded.*emotion_ids"):
        grounded(images, labels=torch.tensor([[5, 2]] * 3))
    with pytest.raises(ValueError, match=r"emotion_ids must have shape \(3,\).*\[0, 9\)"):
        grounded(images, labels=torch.tensor([[5, 2]] * 3), emotion_ids=torch.tensor([0, 1, 9]))
    with pytest.raises(
        ValueError, match=r"image_index must be .* of the 3 images, got shape \(2,\) and values \[0, 3\]"
    ):
        tiny_speaker()(images, image_index=torch.tensor([0, 3]), labels=torch.tensor([[5, 2]] * 2))
    with pytest.raises(ValueError, match="pixel_values.*image_features"):
        tiny_speaker()(labels=torch.tensor([[5, 2]]))
    with pytest.raises(ValueError, match="d_model must be a multiple of num_heads"):
        SpeakerM2Config(d_model=30, num_heads=4)
