"""The render worker: TaskIQ broker and tasks, sandboxed renders, leases, sweeper and janitor."""
