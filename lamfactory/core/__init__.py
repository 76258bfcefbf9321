"""What knows no application: records, the App description and registry, the environment contract, action sets, state views, families, templates, safety-rule shape, request text."""
