"""Understand typed questions offline: the question matcher and a local session with the skill."""
