"""Version of the extraction rules and data; stamped on every record the pipeline publishes."""
PIPELINE_VERSION = "khabar-0.1.0"
