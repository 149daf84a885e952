"""The one factory of the language model Nudge talks to: any OpenAI-compatible endpoint.

OPENAI_BASE_URL, OPENAI_API_KEY and NUDGE_MODEL choose it. The drafting writer asks with some
temperature (copy should vary); the planning agent asks with none (the same request should
give the same tool calls). Both get one retry and a 60 s timeout, so a dead endpoint costs a
minute, not the request: the offline planner and templates take over.
"""

from __future__ import annotations

from tools.core.settings import Settings


def chat_model(settings: Settings, temperature: float):
    """The configured chat model (a LangChain `ChatOpenAI`), imported only when a model is used."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.model,
        api_key=settings.openai_api_key or "unused",
        base_url=settings.openai_base_url or None,
        temperature=temperature,
        max_retries=1,
        timeout=60,
    )
