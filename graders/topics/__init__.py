"""One module of declarations per topic; each defines ``TOPIC`` (a dlgrade.core.Topic)."""
