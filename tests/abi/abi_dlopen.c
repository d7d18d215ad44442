/* libolstate loaded late with dlopen, as .NET's P/Invoke and Python's ctypes
 * load it: the load must succeed and a failure's message must read back.
 * libolstate's hot thread-locals are initial-exec, so its whole TLS block
 * has to fit glibc's small static-TLS reserve at dlopen time; a large
 * thread_local there once made every .NET test fail with "cannot allocate
 * memory in static TLS block". usage: olstate-abi-dlopen PATH-TO-LIBOLSTATE */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include <olstate.h>

typedef int32_t (*get_state_fn)(olstate_session*, uint32_t*);
typedef const char* (*message_fn)(void);
typedef uint32_t (*abi_fn)(void);

int main(int argc, char** argv) {
    void* lib;
    get_state_fn get_state;
    message_fn message;
    abi_fn abi;
    uint32_t state = 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s PATH-TO-LIBOLSTATE\n", argv[0]);
        return 2;
    }
    lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        printf("FAIL: dlopen: %s\n", dlerror());
        return 1;
    }
    *(void**)&get_state = dlsym(lib, "olstate_get_state");
    *(void**)&message = dlsym(lib, "olstate_last_error_message");
    *(void**)&abi = dlsym(lib, "olstate_abi_version");
    if (!get_state || !message || !abi) {
        printf("FAIL: missing exports\n");
        return 1;
    }
    if ((abi() >> 16) != 1 || get_state(NULL, &state) != OLSTATE_E_INVALID_HANDLE ||
        strstr(message(), "OLSTATE_E_INVALID_HANDLE") == NULL) {
        printf("FAIL: calls through dlopen: message '%s'\n", message());
        return 1;
    }
    printf("dlopen: loaded, ABI %u.%u, message '%s'\n", (unsigned)(abi() >> 16), (unsigned)(abi() & 0xFFFF), message());
    return 0;
}
