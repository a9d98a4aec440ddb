"""Adding a site to the fabric: free prefixes and VLANs, and a new stack file modelled on an existing one."""
