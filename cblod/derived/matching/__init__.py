"""The reconciliation service's index and matching (the web routes: ``cblod.web.reconcile``)."""
