"""The inference methods: the method table, the result every fit returns, one module per method."""
