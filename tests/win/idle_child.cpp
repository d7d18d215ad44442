// A process that does nothing for two minutes: the Outlook detection test
// copies it to OUTLOOK.EXE and olk.exe and runs the copies, so that the
// process list holds processes of those names. Ended by the test.
#include <windows.h>

int main() {
    Sleep(120000);
    return 0;
}
