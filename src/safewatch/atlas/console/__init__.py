"""Atlas's operator page: model versions, feedback, confusions and recent media analyses."""
