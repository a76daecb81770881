"""OrderHub console: the staff web console, server-rendered with htmx, over the services' public APIs."""
