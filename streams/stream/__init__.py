"""The thin streaming layer: Faust app, topics, agents and web views over the pure core."""
