"""WeChat simulator for the own mini-program: code2session and WeChat Pay APIv3 notifications."""
