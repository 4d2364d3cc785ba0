"""Integrations with other engines: a datatrove pipeline step and a spaCy component.

Each lives in its own module and imports its engine at module level, so nothing here is imported
by ``import restorer``. spaCy finds the component through the ``spacy_factories`` entry point;
datatrove users import :mod:`restorer.integrations.datatrove` themselves
(``pip install "restorer[datatrove]"``).
"""
