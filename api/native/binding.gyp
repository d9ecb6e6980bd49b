{
  "targets": [
    {
      "target_name": "audit_native",
      "sources": ["chain_links.c", "fhir_entries.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
