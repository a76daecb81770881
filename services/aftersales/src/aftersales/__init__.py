"""After-sales service: keeps what it needs of every order to open return tickets against it."""
