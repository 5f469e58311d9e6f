"""An app installed only by the demo command's test: its AppConfig has the demo hook, as any app's may."""
