"""Atlas text threat classifier: bundled training data, a TF-IDF linear model, training."""
