"""Photo detectors: OpenCV faces (built in) and an ONNX YOLO-style backend (operator model)."""
