"""Run lifecycle: the run manager, what an engine sees of a run (its context), the event bus, and the engines."""
