"""Platform adapters: translate platform events to neutral events and neutral replies to
platform calls. They know nothing of check-ins, debriefs or any other feature."""
