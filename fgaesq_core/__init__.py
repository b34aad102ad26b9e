"""FGAesQ model library: model, DiffToken tokenizer, weights and inference API."""
