/* nsc_tune stand-in for <stdio.h>: kernels must not do I/O; calls are rejected with IOCallError
   naming the line. */
