"""Inter-agency exchange: edXML codec and transports (plain Python). Built in a later issue."""
