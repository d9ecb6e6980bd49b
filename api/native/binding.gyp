{
  "targets": [
    {
      "target_name": "chain_links",
      "sources": ["chain_links.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
