"""Importers: existing annotated corpora in other formats, read into gold-record-shaped
records that training and evaluation take (`brat`: brat standoff; `mapping`: which of a
corpus's types and attributes become which layer and field)."""

from __future__ import annotations

__all__: list[str] = []
