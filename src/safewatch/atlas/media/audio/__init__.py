"""Audio events: a log-mel front end, a built-in classifier and an AudioSet ONNX backend."""
