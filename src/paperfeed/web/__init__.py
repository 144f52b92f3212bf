"""Presentation: HTML pages, JSON API and feeds over the library."""
