"""The browser consoles ResQ serves itself: dispatcher, guard and student pages."""
