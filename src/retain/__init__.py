"""retain: flashcards for real revision decks."""

__version__ = "0.1.0"
