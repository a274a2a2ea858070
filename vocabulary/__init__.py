"""The shared vocabulary every layer speaks: message keys, the channel contract, settings,
text and date reading. It imports nothing of the project."""
