"""Answer Alexa: the handlers, the interaction model, Lambda and the self-hosted endpoint."""
