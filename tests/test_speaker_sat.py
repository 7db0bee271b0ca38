"""The Show-Attend-Tell speaker with tiny random configs: shapes, losses, generate() in all its modes, save/load,
the processor, and the nearest-neighbour speaker."""

import pytest
import torch
from speaker_fixtures import check_compiled_decoder, check_grouped_captions
from transformers import AutoConfig, AutoModelForImageTextToText, AutoProcessor
from transformers.modeling_outputs import BaseModelOutput

from artemis_hf.data import build_tokenizer
from artemis_hf.models.speaker_nn import SpeakerNNConfig, SpeakerNNModel
from artemis_hf.models.speaker_sat import SpeakerSATConfig, SpeakerSATForConditionalGeneration, SpeakerSATProcessor
from artemis_hf.training.speaker import image_processor

WORDS = ["the", "red", "blue", "circles", "waves", "make", "me", "feel", "calm", "sad", "so", "it", "is"]
UNK = 3

pytest_plugins = ["speaker_fixtures"]
pytestmark = pytest.mark.usefixtures("single_thread")


def tiny_config(**overrides):
    # test_resnet cut at its stride-8 stage: a 4 x 4 grid of 48 channels for 32 px images
    settings = dict(
        vocab_size=4 + len(WORDS),
        backbone="test_resnet",
        feature_layer=2,
        attention_dim=16,
        decoder_dim=24,
        word_embedding_dim=8,
        dropout=0.0,
    )
    return SpeakerSATConfig(**{**settings, **overrides})


def tiny_speaker(seed=0, **overrides):
    torch.manual_seed(seed)
    return SpeakerSATForConditionalGeneration(tiny_config(**overrides)).eval()


def test_a_painting_encoded_once_gives_each_of_its_captions_the_loss_of_a_repeated_image(images, emotion_ids):
    check_grouped_captions(tiny_speaker(emotion_grounding=True), images, emotion_ids)
    check_grouped_captions(tiny_speaker(), images, emotion_ids)


def test_the_compiled_decoder_gives_the_eager_logits_and_beams(images, emotion_ids):
    check_compiled_decoder(tiny_speaker(emotion_grounding=True), images, emotion_ids)


def test_forward_shapes_and_loss(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)
    labels = torch.tensor([[5, 6, 7, 2], [8, 2, -100, -100], [9, 10, 11, 2]])
    out = model(images, labels=labels, emotion_ids=emotion_ids, output_attentions=True)
    assert out.logits.shape == (3, 4, model.config.vocab_size)
    [attention] = out.cross_attentions
    assert attention.shape == (3, 1, 4, 16)  # (batch, head, steps, 4 x 4 cells)
    torch.testing.assert_close(attention.sum(-1), torch.ones(3, 1, 4))
    # Each caption: its tokens' cross-entropy, plus the attention penalty once per token, written out here.
    expected_sums = []
    for logits, caption, alpha in zip(out.logits, labels, attention[:, 0]):
        n = int((caption != -100).sum())
        token_loss = torch.nn.functional.cross_entropy(logits[:n], caption[:n], reduction="sum")
        expected_sums.append(
            token_loss + model.config.attention_loss_weight * ((1 - alpha[:n].sum(0)) ** 2).mean() * n
        )
    torch.testing.assert_close(out.caption_loss_sums, torch.stack(expected_sums))
    assert out.caption_token_counts.tolist() == [4, 2, 4]
    torch.testing.assert_close(out.loss, out.caption_loss_sums.sum() / 10)
    token_loss = torch.nn.functional.cross_entropy(out.logits.transpose(1, 2), labels, ignore_index=-100)
    assert out.loss > token_loss  # plus the doubly-stochastic attention penalty


def test_training_projects_only_the_labelled_tokens_and_gets_the_same_loss(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)  # dropout 0; grids in, so that batch norm plays no part
    grid = model.get_encoder()(images).last_hidden_state.detach()
    labels = torch.tensor([[5, 6, 7, 2], [8, 2, -100, -100], [9, 10, 11, 2]])
    evaluated = model(encoder_outputs=(grid,), labels=labels, emotion_ids=emotion_ids)
    trained = model.train()(encoder_outputs=(grid,), labels=labels, emotion_ids=emotion_ids)
    assert trained.logits is None
    torch.testing.assert_close(trained.caption_loss_sums, evaluated.caption_loss_sums)
    trained.loss.backward()
    assert model.lm_head.weight.grad.abs().sum() > 0


def test_clear_errors_name_the_argument(images):
    grounded = tiny_speaker(emotion_grounding=True)
    with pytest.raises(ValueError, match="emotion_ids"):
        grounded(images, labels=torch.tensor([[5, 2]] * 3))
    with pytest.raises(ValueError, match=r"emotion_ids must have shape \(3,\).*\[0, 9\).*\[1, 9, 2\]"):
        grounded(images, labels=torch.tensor([[5, 2]] * 3), emotion_ids=torch.tensor([1, 9, 2]))
    with pytest.raises(
        ValueError, match=r"image_index must be .* of the 3 images, got shape \(2,\) and values \[0, 3\]"
    ):
        tiny_speaker()(images, image_index=torch.tensor([0, 3]), labels=torch.tensor([[5, 2]] * 2))
    with pytest.raises(ValueError, match="pixel_values .* or image_features"):
        grounded(labels=torch.tensor([[5, 2]]), emotion_ids=torch.tensor([0]))


def test_greedy_generate_equals_a_manual_argmax_loop(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)
    generated = model.generate(
        images,
        emotion_ids=emotion_ids,
        num_beams=1,
        do_sample=False,
        no_repeat_ngram_size=0,
        bad_words_ids=None,
        max_new_tokens=8,
    )

    grid = model.get_encoder()(images).last_hidden_state
    tokens, past = torch.full((3, 1), model.config.decoder_start_token_id), None
    finished = torch.zeros(3, dtype=torch.bool)
    for _ in range(8):
        out = model(
            encoder_outputs=(grid,),
            decoder_input_ids=tokens[:, -1:],
            emotion_ids=emotion_ids,
            past_key_values=past,
            use_cache=True,
        )
        past = out.past_key_values
        next_token = out.logits[:, -1].argmax(-1).masked_fill(finished, model.config.pad_token_id)
        finished |= next_token == model.config.eos_token_id
        tokens = torch.cat([tokens, next_token[:, None]], dim=1)
    assert torch.equal(generated, tokens[:, : generated.shape[1]])


def test_beam_search_with_the_lstm_cache_equals_beam_search_without(images, emotion_ids):
    model = tiny_speaker(seed=1, emotion_grounding=True)
    options = dict(emotion_ids=emotion_ids, num_beams=5, num_return_sequences=2, max_new_tokens=12)
    with_cache = model.generate(images, use_cache=True, **options)
    without_cache = model.generate(images, use_cache=False, **options)
    assert with_cache.shape[0] == 6
    assert torch.equal(with_cache, without_cache)


def test_reference_decoding_is_the_default_and_forbids_unk_and_repeated_bigrams(images):
    model = tiny_speaker(seed=2)
    with torch.no_grad():
        model.lm_head.bias[UNK] = 50.0  # the untrained model would write nothing but <unk>
    assert model.generation_config.num_beams == 5 and model.generation_config.max_new_tokens == 30
    free = model.generate(images, bad_words_ids=None, no_repeat_ngram_size=0, num_beams=1, max_new_tokens=6)
    assert (free[:, 1:] == UNK).all()
    for caption in model.generate(images).tolist():
        assert UNK not in caption
        caption = caption[: caption.index(2) if 2 in caption else None]  # up to <eos>, padding after
        bigrams = list(zip(caption, caption[1:]))
        assert len(bigrams) == len(set(bigrams)), caption


def test_sampling_with_temperature_is_seeded_and_returns_several_sequences(images):
    model = tiny_speaker(seed=3)
    options = dict(do_sample=True, temperature=1.5, num_beams=1, num_return_sequences=4, max_new_tokens=10)
    torch.manual_seed(0)
    first = model.generate(images, **options)
    torch.manual_seed(0)
    assert torch.equal(first, model.generate(images, **options))
    assert first.shape[0] == 12
    assert len({tuple(row) for row in first.tolist()}) > 3  # sampling, not search


def test_generate_returns_the_attention_of_every_step(images, emotion_ids):
    model = tiny_speaker(emotion_grounding=True)
    out = model.generate(
        images,
        emotion_ids=emotion_ids,
        num_beams=2,
        max_new_tokens=5,
        min_new_tokens=5,
        output_attentions=True,
        return_dict_in_generate=True,
    )
    assert len(out.cross_attentions) == 5  # one per generated token
    for [step] in out.cross_attentions:
        assert step.shape == (3 * 2, 1, 1, 16)  # (batch x beams, head, this step, cells)
        torch.testing.assert_close(step.sum(-1), torch.ones(6, 1, 1))


def test_cached_grid_features_generate_what_pixels_do(images):
    model = tiny_speaker(seed=4)
    cached = BaseModelOutput(last_hidden_state=model.get_encoder()(images).last_hidden_state)
    assert torch.equal(
        model.generate(encoder_outputs=cached, max_new_tokens=8), model.generate(images, max_new_tokens=8)
    )


def test_save_and_load_give_identical_generations(tmp_path, images, emotion_ids):
    model = tiny_speaker(seed=5, emotion_grounding=True)
    model.save_pretrained(tmp_path)
    assert {
        "model.safetensors",
        "modeling_speaker_sat.py",
        "configuration_speaker_sat.py",
        "generation_config.json",
    } <= {p.name for p in tmp_path.iterdir()}
    assert isinstance(AutoConfig.from_pretrained(tmp_path), SpeakerSATConfig)
    loaded = AutoModelForImageTextToText.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, SpeakerSATForConditionalGeneration)
    assert loaded.generation_config.bad_words_ids == [[UNK]]
    assert torch.equal(
        loaded.generate(images, emotion_ids=emotion_ids), model.generate(images, emotion_ids=emotion_ids)
    )


def test_processor_makes_labels_and_decodes(tmp_path):
    from PIL import Image

    processor = SpeakerSATProcessor(image_processor(32), build_tokenizer(WORDS))
    processor.save_pretrained(tmp_path)
    processor = AutoProcessor.from_pretrained(tmp_path)
    assert isinstance(processor, SpeakerSATProcessor)
    batch = processor(images=[Image.new("RGB", (40, 50), "red")] * 2, text=["The red circles!", "so calm"])
    assert batch["pixel_values"].shape == (2, 3, 32, 32)
    the, red, circles, so, calm = (
        processor.tokenizer.convert_tokens_to_ids(w) for w in ("the", "red", "circles", "so", "calm")
    )
    assert batch["labels"].tolist() == [[the, red, circles, 2], [so, calm, 2, -100]]
    assert processor.batch_decode(torch.tensor([[1, the, red, circles, 2, 0]]), skip_special_tokens=True) == [
        "the red circles"
    ]


def test_nearest_neighbour_speaker_retrieves_stored_utterances(tmp_path, images):
    torch.manual_seed(0)
    model = SpeakerNNModel(SpeakerNNConfig(backbone="test_resnet")).eval()
    with torch.no_grad():
        model.set_memory(
            model.embed(images),
            ["rouge et noir, très calme", "blue waves", "so sad", "sad blue"],
            [0, 1, 2, 2],
            [2, 1, 7, 8],
        )
    assert model.utterances(model(images).utterance_ids) == [["rouge et noir, très calme"], ["blue waves"], ["so sad"]]
    # Matching the emotion: painting 2 has a "something else" utterance; no painting has anger, so any painting goes.
    found = model(images, emotion_ids=torch.tensor([8, 8, 4]))
    assert model.utterances(found.utterance_ids) == [["sad blue"], ["sad blue"], ["so sad"]]
    assert model(images, num_neighbours=3).utterance_ids.shape == (3, 3)
    with pytest.raises(ValueError, match="num_neighbours must be between 1 and the 3 stored paintings, got 4"):
        model(images, num_neighbours=4)

    model.save_pretrained(tmp_path)
    loaded = AutoModelForImageTextToText.from_pretrained(tmp_path).eval()
    assert isinstance(loaded, SpeakerNNModel) and loaded.config.num_utterances == 4
    assert loaded.utterances(loaded(images).utterance_ids) == model.utterances(model(images).utterance_ids)
