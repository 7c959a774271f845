"""Views of the incidents app, one module per area: authoring, tracking, account."""
