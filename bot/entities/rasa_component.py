"""The Rasa NLU entity extractor: `bot.entities` inside the Rasa pipeline.

In config.yml::

    - name: bot.entities.rasa_component.OneVisitEntityExtractor

It sets the entities `district`, `case_number`, `phone_last4` and `query_code` with the same canonical
values as `bot.entities.extract` (a district is its place code); a verification factor sealed by
`bot.privacy.protect` is a `phone_last4` or `query_code` entity whose value is its placeholder. It
learns nothing from the training data; the district names come from the generated
data/entities/patterns.jsonl, read when the model is loaded (so a rebuilt file needs a restart of the
Rasa server, not a new model).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_CONFIDENCE,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.entities.extractor import EntityExtractor, default_extractor
from bot.entities.kinds import RASA_KINDS, Entity
from bot.privacy.placeholders import find_placeholders


def sealed_entities(text: str) -> list[Entity]:
    """Verification factors sealed by `bot.privacy.protect`: a phone tail or query code whose value is its
    placeholder (〔已加密的查询码#…〕), which the case form keeps and the lookup reads back from the vault."""
    return [Entity(p.kind, p.text, p.start, p.end, p.text) for p in find_placeholders(text)]


def rasa_entity(entity: Entity) -> dict[str, Any]:
    """An entity in Rasa's message format."""
    return {
        ENTITY_ATTRIBUTE_TYPE: entity.kind,
        ENTITY_ATTRIBUTE_START: entity.start,
        ENTITY_ATTRIBUTE_END: entity.end,
        ENTITY_ATTRIBUTE_VALUE: str(entity.value),
        ENTITY_ATTRIBUTE_CONFIDENCE: 1.0,
    }


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class OneVisitEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Sets districts, case numbers, phone tails and query codes found by the spaCy EntityRuler."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """`patterns`: the generated patterns file (default: the project's); `entities`: the kinds to set."""
        return {"patterns": None, "entities": list(RASA_KINDS)}

    def __init__(self, config: dict[str, Any], extractor: EntityExtractor) -> None:
        self._config = config
        self._extractor = extractor
        self._kinds = frozenset(config["entities"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> OneVisitEntityExtractor:
        """Build the extractor (spaCy pipeline and patterns) once, when the model is loaded."""
        config = {**cls.get_default_config(), **config}
        path = config.get("patterns")
        extractor = EntityExtractor.from_file(Path(path)) if path else default_extractor()
        return cls(config, extractor)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the entities of each message to the ones earlier extractors found."""
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            found = [rasa_entity(e) for e in self._extractor.extract(text) + sealed_entities(text)
                     if e.kind in self._kinds]
            message.set(ENTITIES, message.get(ENTITIES, []) + self.add_extractor_name(found), add_to_output=True)
        return messages
