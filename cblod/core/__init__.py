"""The core every layer may import and that imports no other: the vocabulary and every
namespace, the graphs' names, RDF terms as text, the ontology's own labels, errors."""
