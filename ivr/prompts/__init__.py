"""What callers hear: the prompt catalog and its translations, and audio for languages without a voice."""
