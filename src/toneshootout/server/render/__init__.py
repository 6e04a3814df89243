"""Renders: durable render jobs, their results and downloads."""
