"""Everything that calls Gemini: the client, the summarizer that writes the digest's prose and the
editor that judges uncertain relevance and groups stories (one structured call each)."""
