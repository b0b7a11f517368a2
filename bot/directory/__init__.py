"""Finding things in the curated content: resource search, sessions of the training calendar,
and the shared words, regions and filters behind /resources, /training and /jobs."""
