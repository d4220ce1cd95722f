"""Rendering at the edge: terminal tables now; HTML/Markdown reports later."""
