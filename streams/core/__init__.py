"""The pure extraction core: text -> Document -> actors -> events. No Kafka imports here."""
