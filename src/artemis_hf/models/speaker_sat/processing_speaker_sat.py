"""The speakers' processor (Show-Attend-Tell and M2): image processor and word-level tokenizer, saved together."""

from transformers import BatchFeature, ProcessorMixin

IGNORE_INDEX = -100  # label of padding positions (this file is also the M2 speaker's remote code: it stands alone)


class SpeakerSATProcessor(ProcessorMixin):
    """Images -> `pixel_values`; captions -> `labels` (`w1 .. wn <eos>`, -100 where padded), what the speaker learns;
    generated ids -> text with `batch_decode(ids, skip_special_tokens=True)`.

        processor = AutoProcessor.from_pretrained(speaker_dir)
        ids = model.generate(**processor(images=image), emotion_ids=torch.tensor([1]))
        processor.batch_decode(ids, skip_special_tokens=True)
    """

    def __init__(self, image_processor, tokenizer):
        super().__init__(image_processor, tokenizer)

    def __call__(self, images=None, text=None, return_tensors: str = "pt") -> BatchFeature:
        if images is None and text is None:
            raise ValueError("SpeakerSATProcessor needs images, text (captions to learn), or both; got neither")
        data = {}
        if images is not None:
            data.update(self.image_processor(images, return_tensors=return_tensors))
        if text is not None:
            encoded = self.tokenizer(text, padding=True, return_tensors="pt")  # <sos> w1 .. wn <eos> <pad> ..
            data["labels"] = encoded.input_ids[:, 1:].masked_fill(encoded.attention_mask[:, 1:] == 0, IGNORE_INDEX)
        return BatchFeature(data, tensor_type=return_tensors)
